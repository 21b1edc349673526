// Our properties provider: one group for every extension the engine reads, with pickers where the value
// comes from a closed set (form files, decision ids, roles, processes, messages) and bilingual names.
import { h } from '@bpmn-io/properties-panel/preact';
import {
  SelectEntry, TextAreaEntry, TextFieldEntry,
  isSelectEntryEdited, isTextAreaEntryEdited, isTextFieldEntryEdited
} from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

import {
  getBody, getProperty, joinName, setBody, setProperty, splitName, timerDefinition
} from './extensions';
import { catalog } from './catalog';

const LOW_PRIORITY = 400;

function text(id, label, getValue, setValue, { area = false, description } = {}) {
  return {
    id,
    component: function Entry(props) {
      const debounce = useService('debounceInput');
      const Kind = area ? TextAreaEntry : TextFieldEntry;
      return h(Kind, {
        id, element: props.element, label, description, debounce, monospace: area, rows: area ? 6 : undefined,
        getValue: () => getValue(props.element), setValue: (value) => setValue(props.element, value || '')
      });
    },
    isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited
  };
}

function select(id, label, options, getValue, setValue) {
  return {
    id,
    component: function Entry(props) {
      return h(SelectEntry, {
        id, element: props.element, label,
        getValue: () => getValue(props.element),
        setValue: (value) => setValue(props.element, value || ''),
        getOptions: () => {
          const current = getValue(props.element);
          const values = options();
          const all = current && !values.includes(current) ? [current, ...values] : values;
          return [{ value: '', label: '—' }, ...all.map((value) => ({ value, label: value }))];
        }
      });
    },
    isEdited: isSelectEntryEdited
  };
}

export default function SpiffPropertiesProvider(propertiesPanel, injector, translate) {
  const t = translate;
  const property = (name) => [(el) => getProperty(el, name), (el, v) => setProperty(el, injector, name, v)];
  const body = (type) => [(el) => getBody(el, type), (el, v) => setBody(el, injector, type, v)];
  const modeling = () => injector.get('modeling');

  this.getGroups = function(element) {
    return function(groups) {
      const bo = getBusinessObject(element);
      const entries = [];
      if (bo.name !== undefined || is(element, 'bpmn:FlowElement') || is(element, 'bpmn:Lane')) {
        entries.push(
          text('eco-name-zh', t('Name (Chinese)'), (el) => splitName(getBusinessObject(el).name).zh,
            (el, v) => modeling().updateProperties(el, { name: joinName(v, splitName(getBusinessObject(el).name).en) })),
          text('eco-name-en', t('Name (English)'), (el) => splitName(getBusinessObject(el).name).en,
            (el, v) => modeling().updateProperties(el, { name: joinName(splitName(getBusinessObject(el).name).zh, v) })));
      }
      if (is(element, 'bpmn:UserTask')) {
        entries.push(
          select('eco-form', t('Form'), () => catalog().forms, ...property('formJsonSchemaFilename')),
          text('eco-organisation', t('Organisation (expression)'), ...property('organisation')),
          text('eco-deadline', t('Deadline (expression)'), ...property('deadline'),
            { description: t('e.g. acceptance_due or deadline("acceptance", received_at)') }),
          text('eco-assignee', t('Assignee (expression, optional)'), ...property('assignee')),
          select('eco-role', t('Role (default: from the lane)'), () => catalog().roles, ...property('role')));
      }
      if (is(element, 'bpmn:BusinessRuleTask')) {
        entries.push(select('eco-decision', t('Decision (DMN)'), () => catalog().decisions,
          ...body('spiffworkflow:CalledDecisionId')));
      }
      if (is(element, 'bpmn:CallActivity')) {
        entries.push(select('eco-called', t('Called process'), () => catalog().processes,
          (el) => getBusinessObject(el).calledElement || '',
          (el, v) => modeling().updateProperties(el, { calledElement: v || undefined })));
      }
      if (is(element, 'bpmn:ScriptTask')) {
        entries.push(text('eco-script', t('Script (Python)'), (el) => getBusinessObject(el).script || '',
          (el, v) => modeling().updateProperties(el, { script: v }), { area: true }));
      }
      if (is(element, 'bpmn:Activity')) {
        entries.push(
          text('eco-prescript', t('Pre-script'), ...body('spiffworkflow:PreScript'), { area: true }),
          text('eco-postscript', t('Post-script'), ...body('spiffworkflow:PostScript'), { area: true }));
      }
      const timer = timerDefinition(element);
      if (timer) {
        const kind = timer.timeDuration ? 'timeDuration' : 'timeDate';
        entries.push(text('eco-timer', kind === 'timeDuration' ? t('Timer duration (expression)') : t('Timer date (expression)'),
          (el) => (timerDefinition(el)[kind] || {}).body || '',
          (el, v) => {
            const definition = timerDefinition(el);
            const expression = definition[kind] ||
              injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: v });
            expression.body = v;
            modeling().updateModdleProperties(el, definition, { [kind]: expression });
          },
          { description: t('Python: quote ISO values ("P3D") or give a variable such as acceptance_due') }));
      }
      if (is(element, 'bpmn:ReceiveTask') || (bo.eventDefinitions || []).some((d) => is(d, 'bpmn:MessageEventDefinition'))) {
        const holder = (el) => is(el, 'bpmn:ReceiveTask') ? getBusinessObject(el) :
          getBusinessObject(el).eventDefinitions.find((d) => is(d, 'bpmn:MessageEventDefinition'));
        entries.push(
          select('eco-message', t('Message'), () => catalog().messages,
            (el) => (holder(el).messageRef || {}).name || '',
            (el, v) => {
              const definitions = injector.get('canvas').getRootElement().businessObject.$parent;
              const message = (definitions.rootElements || []).find((r) => is(r, 'bpmn:Message') && r.name === v);
              modeling().updateModdleProperties(el, holder(el), { messageRef: message });
            }),
          text('eco-message-variable', t('Message variable'), ...body('spiffworkflow:MessageVariable')));
      }
      if (is(element, 'bpmn:SequenceFlow') && is(bo.sourceRef, 'bpmn:ExclusiveGateway')) {
        entries.push(text('eco-condition', t('Condition (Python expression)'),
          (el) => (getBusinessObject(el).conditionExpression || {}).body || '',
          (el, v) => {
            const expression = v ? injector.get('bpmnFactory').create('bpmn:FormalExpression', { body: v }) : undefined;
            modeling().updateProperties(el, { conditionExpression: expression });
          }));
      }
      if (entries.length) {
        groups.splice(1, 0, { id: 'ecopetition', label: t('Engine (ecopetition)'), entries });
      }
      return groups;
    };
  };
  propertiesPanel.registerProvider(LOW_PRIORITY, this);
}

SpiffPropertiesProvider.$inject = ['propertiesPanel', 'injector', 'translate'];
