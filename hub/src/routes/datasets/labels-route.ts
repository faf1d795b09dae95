import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorBody, LabelsUploadBody, LabelsUploadResult } from '@edgefleet/protocol'
import type { FastifyRequest } from 'fastify'
import { HubError } from '../../errors.ts'
import { LABEL_CSV_COLUMNS, parseLabelsCsv } from '../../retraining/datasets/labels-csv.ts'

/** Largest `POST /labels` body: 100 000 labels of a few hundred bytes each fit. */
export const MAX_LABELS_BODY_BYTES = 16 * 1024 * 1024

const tooLarge = (): HubError =>
  new HubError('HUB_UPLOAD_TOO_LARGE', `a labels upload is at most ${MAX_LABELS_BODY_BYTES} bytes: split the file, or import it with \`edgefleet dataset labels import <file.csv> --hub <url>\`, which sends it in batches`)

/**
 * `POST /labels`: ground truth for samples devices uploaded, as JSON (`LabelsUploadBody`) or as CSV
 * (`text/csv`, header `device_id,sample_id,label[,ts,source]`). The CSV is parsed into the same body,
 * so one schema checks both; a bad CSV line is refused naming it. Registered by `datasetRoutes`.
 */
export const labelsRoute: FastifyPluginAsyncTypebox = async (app) => {
  // encapsulated: only this route reads CSV
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: MAX_LABELS_BODY_BYTES }, (_request, body, done) => {
    try {
      const items = parseLabelsCsv(body as string)
      if (items.length === 0) throw new HubError('HUB_USAGE', 'the CSV has a header but no labels')
      done(null, { items })
    } catch (err) {
      done(err as Error, undefined)
    }
  })

  // a declared body that cannot fit is refused before a byte of it is read
  const refuseDeclaredOversize = async (request: FastifyRequest): Promise<void> => {
    const declared = Number(request.headers['content-length'])
    if (Number.isFinite(declared) && declared > MAX_LABELS_BODY_BYTES) throw tooLarge()
  }

  app.post('/labels', {
    config: { role: 'operator' },
    // the role check (plugins/route-auth.ts) runs before this
    onRequest: refuseDeclaredOversize,
    bodyLimit: MAX_LABELS_BODY_BYTES,
    schema: {
      tags: ['datasets'],
      summary: `Upload labels for device samples: JSON, or text/csv with the header ${LABEL_CSV_COLUMNS.slice(0, 3).join(',')}[,ts,source]`,
      description: 'Samples are keyed by (deviceId, sampleId). Per sample the label with the newest `ts` wins (default: now). A label whose sample has not arrived yet is kept and joined when it does (`awaitingSample`). CSV `ts` is ms since the epoch or an ISO 8601 date; a bad line is refused naming it, and nothing of that upload is stored.',
      consumes: ['application/json', 'text/csv'],
      body: LabelsUploadBody,
      response: { 200: LabelsUploadResult, 400: ErrorBody, 401: ErrorBody, 413: ErrorBody },
    },
  }, async (request) => {
    const put = await app.datasets.putLabels(request.body.items)
    app.labelArrivals.notifyAll(put.byModel, (err) => request.log.error({ err }, 'a label listener failed'))
    return { stored: put.stored, awaitingSample: put.awaitingSample }
  })
}
