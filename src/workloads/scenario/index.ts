/** Scenario files: parse (YAML/JSON) and run them on a booted kernel. */
export { offsetField, parseScenario, ScenarioError } from "./parse-scenario.js";
export { runScenario, type ScenarioRun, type StepResult } from "./run-scenario.js";
export {
  DEFAULT_SCENARIO_TASK, type FieldKind, type FieldSpec, OPS, type PtrRef, type Scenario, type ScenarioOp, SCENARIO_OPS,
  type ScenarioStep, type ScenarioTask, scenarioFunctionName,
} from "./scenario.js";
