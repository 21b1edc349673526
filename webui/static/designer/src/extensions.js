// Reading and writing the spiffworkflow extension elements the engine reads, through bpmn-js commands
// (so every change is undoable and the panel and the linter see it at once).
import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

export const PROPERTY_NAMES = ['formJsonSchemaFilename', 'organisation', 'deadline', 'assignee', 'role'];

function extensionValues(bo) {
  return (bo.extensionElements && bo.extensionElements.values) || [];
}

export function findExtension(element, type) {
  return extensionValues(getBusinessObject(element)).find((value) => is(value, type));
}

export function getProperty(element, name) {
  const container = findExtension(element, 'spiffworkflow:Properties');
  const found = container && (container.properties || []).find((p) => p.name === name);
  return found ? found.value || '' : '';
}

export function getBody(element, type) {
  const found = findExtension(element, type);
  return found ? found.value || '' : '';
}

function ensureExtensionElements(element, injector) {
  const bo = getBusinessObject(element);
  if (bo.extensionElements) {
    return bo.extensionElements;
  }
  const extensionElements = injector.get('bpmnFactory').create('bpmn:ExtensionElements', { values: [] });
  injector.get('modeling').updateModdleProperties(element, bo, { extensionElements });
  return extensionElements;
}

function setValues(element, injector, holder, values) {
  injector.get('modeling').updateModdleProperties(element, holder, { values });
}

export function setProperty(element, injector, name, value) {
  const modeling = injector.get('modeling');
  const factory = injector.get('bpmnFactory');
  const extensionElements = ensureExtensionElements(element, injector);
  let container = extensionElements.values.find((v) => is(v, 'spiffworkflow:Properties'));
  if (!container) {
    if (!value) return;
    container = factory.create('spiffworkflow:Properties', { properties: [] });
    container.$parent = extensionElements;
    setValues(element, injector, extensionElements, [...extensionElements.values, container]);
  }
  const existing = (container.properties || []).find((p) => p.name === name);
  if (existing && value) {
    modeling.updateModdleProperties(element, existing, { value });
  } else if (existing) {
    modeling.updateModdleProperties(element, container, {
      properties: container.properties.filter((p) => p !== existing)
    });
  } else if (value) {
    const property = factory.create('spiffworkflow:Property', { name, value });
    property.$parent = container;
    modeling.updateModdleProperties(element, container, { properties: [...(container.properties || []), property] });
  }
}

export function setBody(element, injector, type, value) {
  const extensionElements = ensureExtensionElements(element, injector);
  const existing = extensionElements.values.find((v) => is(v, type));
  if (existing && value) {
    injector.get('modeling').updateModdleProperties(element, existing, { value });
  } else if (existing) {
    setValues(element, injector, extensionElements, extensionElements.values.filter((v) => v !== existing));
  } else if (value) {
    const created = injector.get('bpmnFactory').create(type, { value });
    created.$parent = extensionElements;
    setValues(element, injector, extensionElements, [...extensionElements.values, created]);
  }
}

// The timer definition of a timer event (start, intermediate or boundary), if it has one.
export function timerDefinition(element) {
  const bo = getBusinessObject(element);
  return (bo.eventDefinitions || []).find((d) => is(d, 'bpmn:TimerEventDefinition'));
}

// Designers write names as "中文 English"; split at the first character that is not CJK or CJK punctuation.
export function splitName(name) {
  const text = (name || '').trim();
  const match = text.match(/^([\u3000-\u303f\u3400-\u9fff\uff00-\uffef？?、，（）()\s]*[\u3400-\u9fff\uff00-\uffef？?）)])\s*(.*)$/);
  if (!match) return { zh: '', en: text };
  return { zh: match[1].trim(), en: match[2].trim() };
}

export function joinName(zh, en) {
  return [zh.trim(), en.trim()].filter(Boolean).join(' ');
}
