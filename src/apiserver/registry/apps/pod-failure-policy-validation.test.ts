import assert from 'node:assert/strict';
import { it } from 'node:test';
import { fieldErrorMessage } from '../../../api/errors.js';
import { validatePodFailurePolicy } from './pod-failure-policy-validation.js';

const spec = (podFailurePolicy: unknown, extra: Record<string, unknown> = {}) => ({
  template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main' }], initContainers: [{ name: 'setup' }] } },
  podFailurePolicy,
  ...extra,
});
const messages = (s: Record<string, unknown>) => validatePodFailurePolicy(s).map(fieldErrorMessage);

it('accepts valid rules and no policy at all', () => {
  assert.deepEqual(messages(spec(undefined)), []);
  assert.deepEqual(
    messages(
      spec({
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'setup', operator: 'In', values: [1, 2, 42] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          { action: 'Count', onExitCodes: { operator: 'NotIn', values: [0] } },
          { action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } },
        ],
      }, { backoffLimitPerIndex: 1 }),
    ),
    [],
  );
});

it('words each rule error as upstream', () => {
  const path = 'spec.podFailurePolicy.rules';
  assert.deepEqual(messages(spec({ rules: [{ action: 'FailJob' }] })), [`${path}[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required`]);
  assert.deepEqual(messages(spec({ rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'Ready', status: 'False' }] }] })), [
    `${path}[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported`,
  ]);
  assert.deepEqual(messages(spec({ rules: [{ onExitCodes: { values: [1] } }] })), [
    `${path}[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]`,
    `${path}[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]`,
  ]);
  assert.deepEqual(messages(spec({ rules: [{ action: 'Restart', onExitCodes: { operator: 'Between', containerName: 'sidecar', values: [] } }] })), [
    `${path}[0].action: Unsupported value: "Restart": supported values: "Count", "FailIndex", "FailJob", "Ignore"`,
    `${path}[0].onExitCodes.operator: Unsupported value: "Between": supported values: "In", "NotIn"`,
    `${path}[0].onExitCodes.containerName: Invalid value: "sidecar": must be one of the container or initContainer names in the pod template`,
    `${path}[0].onExitCodes.values: Invalid value: []: at least one value is required`,
  ]);
  assert.deepEqual(messages(spec({ rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 11, 11, 5] } }] })), [
    `${path}[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator`,
    `${path}[0].onExitCodes.values[2]: Duplicate value: 11`,
    `${path}[0].onExitCodes.values: Invalid value: [0,11,11,5]: must be ordered`,
  ]);
  assert.deepEqual(messages(spec({ rules: [{ action: 'Ignore', onPodConditions: [{ type: 'bad type!', status: 'Maybe' }, { type: 'Ready' }] }] })).length, 3);
  assert.deepEqual(messages(spec({ rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }] })), [`${path}[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set`]);
});

it('bounds rules, exit codes and condition patterns, and wants restartPolicy Never', () => {
  const rule = { action: 'Count', onExitCodes: { operator: 'In', values: [1] } };
  assert.deepEqual(messages(spec({ rules: Array.from({ length: 21 }, () => rule) })), ['spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items']);
  const values = Array.from({ length: 256 }, (_, i) => i + 1);
  assert.deepEqual(messages(spec({ rules: [{ action: 'Count', onExitCodes: { operator: 'In', values } }] })), ['spec.podFailurePolicy.rules[0].onExitCodes.values: Too many: 256: must have at most 255 items']);
  const patterns = Array.from({ length: 21 }, () => ({ type: 'Ready', status: 'True' }));
  assert.deepEqual(messages(spec({ rules: [{ action: 'Ignore', onPodConditions: patterns }] })), ['spec.podFailurePolicy.rules[0].onPodConditions: Too many: 21: must have at most 20 items']);
  const onFailure = { template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'main' }] } }, podFailurePolicy: { rules: [rule] } };
  assert.deepEqual(messages(onFailure), ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']);
});
