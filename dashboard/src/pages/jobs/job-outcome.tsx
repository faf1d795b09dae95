import type { JobView } from '@edgefleet/protocol'
import { hrefFor } from '../../routing/route.ts'
import { evaluationLine, evaluationVerdict } from '../../state/job-evaluation.ts'
import { progressText } from '../../state/job-progress.ts'

/** The gate's comparison and verdict: `accuracy 81.4 % vs 50.8 %` `passed`. */
export function EvaluationSummary({ evaluation }: { evaluation: NonNullable<JobView['evaluation']> }) {
  const verdict = evaluationVerdict(evaluation)
  return <>{evaluationLine(evaluation)} <span class={`badge ${verdict.tone}`}>{verdict.word}</span></>
}

/**
 * What a job has found out and produced so far, as `<dt>`/`<dd>` pairs for a `.facts` list: the evaluation, the
 * registered version, the canary rollout (or why none started), and where a job that ended early stopped.
 */
export function JobOutcomeFacts({ job }: { job: JobView }) {
  // a finished job keeps its progress only to say why its canary did not start, or where it stopped
  const last = job.finishedAt !== null ? job.progress : null
  return (
    <>
      {job.evaluation && <div><dt>Candidate vs current</dt><dd><EvaluationSummary evaluation={job.evaluation} /></dd></div>}
      {job.candidateVersion && <div><dt>Registered</dt><dd>{job.model}@{job.candidateVersion}</dd></div>}
      {job.rolloutId && <div><dt>Canary</dt><dd><a href={hrefFor({ page: 'rollout', id: job.rolloutId })}>{job.rolloutId}</a></dd></div>}
      {last && !job.rolloutId && (last.stage === 'canary'
        ? <div><dt>Canary</dt><dd>{last.message ?? 'not started'}</dd></div>
        : <div><dt>Stopped at</dt><dd>{progressText(last)}</dd></div>)}
    </>
  )
}
