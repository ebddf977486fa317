/** Every `sigil` command, registered in help order. Each command lives in its own file. */
import type { Command } from 'commander'
import { register as registerAgent } from './agent.js'
import { register as registerAgentAdmin } from './agent-admin.js'
import { register as registerServer } from './server.js'
import { register as registerToken } from './token.js'
import { register as registerBundle } from './bundle.js'
import { register as registerCa } from './ca.js'
import { register as registerJwt } from './jwt.js'
import { register as registerX509 } from './x509.js'
import { register as registerApply } from './apply.js'
import { register as registerAudit } from './audit.js'
import { register as registerAuthz } from './authz.js'
import { register as registerAccess } from './access.js'
import { register as registerEntry } from './entry.js'
import { register as registerLint } from './lint.js'
import { register as registerPlan } from './plan.js'
import { register as registerPolicy } from './policy.js'
import { register as registerWorkload } from './workload.js'
import { register as registerImport } from './import.js'
import { register as registerExport } from './export.js'
import { register as registerStatus } from './status.js'
import { register as registerReconcile } from './reconcile.js'
import { register as registerRevoke } from './revoke.js'

export function registerCommands(_program: Command): void {
  // commands register here, one line each
  registerCa(_program)
  registerBundle(_program)
  registerX509(_program)
  registerJwt(_program)
  registerLint(_program)
  registerPlan(_program)
  registerApply(_program)
  registerEntry(_program)
  registerAudit(_program)
  registerPolicy(_program)
  registerWorkload(_program)
  registerServer(_program)
  registerToken(_program)
  registerAgent(_program)
  registerAgentAdmin(_program)
  registerAuthz(_program)
  registerAccess(_program)
  registerImport(_program)
  registerExport(_program)
  registerStatus(_program)
  registerReconcile(_program)
  registerRevoke(_program)
}
