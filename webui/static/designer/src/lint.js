// bpmnlint while editing: the recommended rules plus ours for what the engine needs (a user task's form and
// role, quoted timer values, called processes and decisions that exist, form files that exist). The server's
// validation (on save and deploy) adds what only Python can check, such as a script's syntax.
import { is } from 'bpmnlint-utils';
import recommended from 'bpmnlint/config/recommended';

import { catalog } from './catalog';
import { getBody, getProperty } from './extensions';

const RULE_NAMES = Object.keys(recommended.rules);
// The lifecycle's diagrams draw some flows without labels and use implicit joins on purpose.
const RELAXED = { 'label-required': 'warn', 'no-implicit-split': 'warn', 'fake-join': 'off',
                  'no-overlapping-elements': 'off', 'superfluous-gateway': 'warn',
                  'no-gateway-join-fork': 'warn' };

// Each recommended rule named statically, so esbuild bundles them.
const RULES = {
  'ad-hoc-sub-process': require('bpmnlint/rules/ad-hoc-sub-process'),
  'conditional-flows': require('bpmnlint/rules/conditional-flows'),
  'end-event-required': require('bpmnlint/rules/end-event-required'),
  'event-based-gateway': require('bpmnlint/rules/event-based-gateway'),
  'event-sub-process-typed-start-event': require('bpmnlint/rules/event-sub-process-typed-start-event'),
  'fake-join': require('bpmnlint/rules/fake-join'),
  'global': require('bpmnlint/rules/global'),
  'label-required': require('bpmnlint/rules/label-required'),
  'link-event': require('bpmnlint/rules/link-event'),
  'no-bpmndi': require('bpmnlint/rules/no-bpmndi'),
  'no-complex-gateway': require('bpmnlint/rules/no-complex-gateway'),
  'no-disconnected': require('bpmnlint/rules/no-disconnected'),
  'no-duplicate-sequence-flows': require('bpmnlint/rules/no-duplicate-sequence-flows'),
  'no-gateway-join-fork': require('bpmnlint/rules/no-gateway-join-fork'),
  'no-implicit-split': require('bpmnlint/rules/no-implicit-split'),
  'no-implicit-end': require('bpmnlint/rules/no-implicit-end'),
  'no-implicit-start': require('bpmnlint/rules/no-implicit-start'),
  'no-inclusive-gateway': require('bpmnlint/rules/no-inclusive-gateway'),
  'no-overlapping-elements': require('bpmnlint/rules/no-overlapping-elements'),
  'single-blank-start-event': require('bpmnlint/rules/single-blank-start-event'),
  'single-event-definition': require('bpmnlint/rules/single-event-definition'),
  'start-event-required': require('bpmnlint/rules/start-event-required'),
  'sub-process-blank-start-event': require('bpmnlint/rules/sub-process-blank-start-event'),
  'superfluous-gateway': require('bpmnlint/rules/superfluous-gateway'),
  'superfluous-label': require('bpmnlint/rules/superfluous-label'),
  'superfluous-termination': require('bpmnlint/rules/superfluous-termination')
};

// Each of our rules: (node, report) for every node of the diagram.
function ours(check) {
  return function() {
    return { check(node, reporter) { check(node, (message) => reporter.report(node.id, message)); } };
  };
}

const asElement = (node) => ({ businessObject: node });

const OUR_RULES = {
  'user-task-form': ours((node, report) => {
    if (!is(node, 'bpmn:UserTask')) return;
    const form = getProperty(asElement(node), 'formJsonSchemaFilename');
    if (!form) {
      report('User task without a form (formJsonSchemaFilename)');
    } else if (!catalog().forms.includes(form)) {
      report(`Form file forms/${form} does not exist in this draft`);
    }
  }),
  'user-task-role': ours((node, report) => {
    if (!is(node, 'bpmn:UserTask')) return;
    const role = getProperty(asElement(node), 'role');
    const lane = (node.lanes || [])[0];
    const laneRole = lane && (lane.name || '').split(/\s+/)[0];
    if (role && !catalog().roles.includes(role)) {
      report(`Role ${role} is not one of: ${catalog().roles.join(', ')}`);
    } else if (!role && !(laneRole && catalog().roles.includes(laneRole))) {
      report('User task without a role: put it in a lane named after a role or set the role property');
    }
  }),
  'timer-quoted': ours((node, report) => {
    if (!is(node, 'bpmn:TimerEventDefinition')) return;
    const expression = node.timeDate || node.timeDuration || node.timeCycle;
    const value = ((expression && expression.body) || '').trim();
    if (!value) {
      report('Timer without an expression');
    } else if (/^(P|R\d*\/|\d{4}-\d\d)/.test(value)) {
      report(`Timer value ${value} must be quoted: "${value}"`);
    }
  }),
  'called-process-exists': ours((node, report) => {
    if (is(node, 'bpmn:CallActivity') && !catalog().processes.includes(node.calledElement)) {
      report(`Called process ${node.calledElement || '(none)'} is not in this draft`);
    }
  }),
  'decision-exists': ours((node, report) => {
    if (!is(node, 'bpmn:BusinessRuleTask')) return;
    const decision = getBody(asElement(node), 'spiffworkflow:CalledDecisionId');
    if (!catalog().decisions.includes(decision)) {
      report(`Decision ${decision || '(none)'} is not in any DMN table of this draft`);
    }
  })
};

const cache = {};
for (const name of RULE_NAMES) {
  cache[`rule:bpmnlint/${name}`] = RULES[name];
}
for (const [name, rule] of Object.entries(OUR_RULES)) {
  cache[`rule:bpmnlint-plugin-ecopetition/${name}`] = rule;
}

const rules = {};
for (const name of RULE_NAMES) {
  rules[name] = RELAXED[name] || recommended.rules[name];
}
for (const name of Object.keys(OUR_RULES)) {
  rules[`ecopetition/${name}`] = 'error';
}

function StaticResolver() {}
StaticResolver.prototype.resolveRule = (pkg, name) => {
  const found = cache[`rule:${pkg}/${name}`];
  if (!found) throw new Error(`unknown rule <${pkg}/${name}>`);
  return found;
};
StaticResolver.prototype.resolveConfig = (pkg, name) => {
  throw new Error(`unknown config <${pkg}/${name}>`);
};

export const lintConfig = { config: { rules }, resolver: new StaticResolver() };
