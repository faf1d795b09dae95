import type { RolloutView } from '@edgefleet/protocol'
import { useId, useState } from 'preact/hooks'
import { describeError } from '../../api/api-error.ts'
import type { RolloutCommand } from '../../api/hub-api.ts'
import { ConfirmDialog } from '../../components/confirm-dialog.tsx'
import { RoleHint } from '../../components/role-hint.tsx'
import { COMMAND_TEXT, commandApplies } from '../../state/rollout-commands.ts'
import { useHub } from '../../sync/hub-context.ts'
import { useRoleShortfall } from '../../sync/identity-context.ts'

const COMMANDS: RolloutCommand[] = ['pause', 'resume', 'abort', 'rollback']

/**
 * Pause, Resume, Abort and Roll back, each enabled only in the states it applies to (and for an operator token);
 * abort and rollback ask first.
 */
export function RolloutControls({ rollout, onChanged }: { rollout: RolloutView; onChanged: (r: RolloutView) => void }) {
  const { api } = useHub()
  const [asking, setAsking] = useState<RolloutCommand | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const shortfall = useRoleShortfall('operator')
  const hintId = useId()

  const run = async (command: RolloutCommand, reason?: string) => {
    setAsking(null)
    setBusy(true)
    setError(null)
    try {
      onChanged(await api.commandRollout(rollout.id, command, reason || undefined))
    } catch (err) {
      setError(describeError(err))
    } finally {
      setBusy(false)
    }
  }
  const click = (command: RolloutCommand) => (COMMAND_TEXT[command].confirm ? setAsking(command) : void run(command))

  return (
    <div class="controls">
      <div class="actions" role="group" aria-label="Rollout commands">
        {COMMANDS.map((c) => (
          <button key={c} type="button" class={c === 'abort' || c === 'rollback' ? 'danger' : 'secondary'}
            disabled={busy || shortfall !== null || !commandApplies(c, rollout.state)} aria-describedby={shortfall ? hintId : undefined}
            onClick={() => click(c)}>
            {COMMAND_TEXT[c].label}
          </button>
        ))}
        <RoleHint id={hintId} text={shortfall} />
      </div>
      {error && <p role="alert" class="error">{error}</p>}
      {asking && (
        <ConfirmDialog question={COMMAND_TEXT[asking].confirm ?? ''} onCancel={() => setAsking(null)}
          onConfirm={(reason) => void run(asking, reason)} />
      )}
    </div>
  )
}
