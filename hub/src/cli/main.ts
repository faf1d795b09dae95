#!/usr/bin/env node
import { Command, CommanderError } from 'commander'
import { registerAlertCommands } from './alert-commands.ts'
import { registerClaimTokenCommands } from './claim-token-commands.ts'
import { registerCredentialCommands } from './credential-commands.ts'
import { registerDataCommands } from './data-commands.ts'
import { registerDatasetCommands } from './dataset-commands.ts'
import { registerDeviceCommands } from './device-commands.ts'
import { registerDemoCommand } from './demo-command.ts'
import { registerFlashCommand } from './flash-command.ts'
import { registerHubCommand } from './hub-command.ts'
import { registerModelCommands } from './model-commands.ts'
import { registerRetrainCommands } from './retrain-commands.ts'
import { registerRolloutCommands } from './rollout-commands.ts'
import { HUB_VERSION } from '../version.ts'

const program = new Command('edgefleet')
  .description('edgefleet: run ML models on fleets of edge devices, watch drift, roll out new versions')
  .version(HUB_VERSION)
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

registerHubCommand(program)
registerDemoCommand(program)
registerDataCommands(program)
registerDeviceCommands(program)
registerClaimTokenCommands(program)
registerFlashCommand(program)
registerCredentialCommands(program)
registerAlertCommands(program)
registerModelCommands(program)
registerRolloutCommands(program)
registerDatasetCommands(program)
registerRetrainCommands(program)

// every subcommand reports its own usage errors with exit code 2
for (const command of program.commands) command.exitOverride().showHelpAfterError('(run with --help for usage)')

try {
  await program.parseAsync(process.argv)
} catch (err) {
  process.exitCode = exitCodeFor(err)
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') {
    process.stderr.write(`error ${code}: ${(err as Error).message}\n`)
    return code.endsWith('_USAGE') ? 2 : 1
  }
  process.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`)
  return 1
}
