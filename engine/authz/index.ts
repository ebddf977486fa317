/** Least privilege at run time: the compiled engine, the in-process authorizer, decision auditing. */
export {
  compileAuthz,
  decide,
  firstUngranted,
  type CompiledAuthz,
  type Decision,
  type DecisionReason,
} from './engine.js'
export { createAuthorizer, type Authorizer, type AuthorizerDeps, type DecisionSink } from './authorizer.js'
