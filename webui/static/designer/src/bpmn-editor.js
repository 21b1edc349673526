// The BPMN editor: bpmn-js Modeler with the properties panel, our provider, bpmnlint and the page's language.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import lintModule from 'bpmn-js-bpmnlint';

import spiffModdle from './spiff-moddle.json';
import SpiffPropertiesProvider from './spiff-properties';
import { lintConfig } from './lint';
import { translateModule } from './translate';

const ourProvider = { __init__: ['spiffPropertiesProvider'], spiffPropertiesProvider: ['type', SpiffPropertiesProvider] };

function linkFlows(definitions) {
  const visit = (container) => {
    for (const element of container.flowElements || []) {
      if (element.$type === 'bpmn:SequenceFlow' && element.sourceRef && element.targetRef) {
        const source = element.sourceRef;
        const target = element.targetRef;
        source.outgoing = source.outgoing || [];
        target.incoming = target.incoming || [];
        if (!source.outgoing.includes(element)) source.outgoing.push(element);
        if (!target.incoming.includes(element)) target.incoming.push(element);
      }
      if (element.flowElements) visit(element);
    }
  };
  for (const root of definitions.rootElements || []) visit(root);
}

export class BpmnEditor {
  constructor(canvas, panel, locale, words, onChange) {
    this.modeler = new BpmnModeler({
      container: canvas,
      propertiesPanel: { parent: panel, layout: { groups: { ecopetition: { open: true }, general: { open: true } } } },
      linting: { bpmnlint: lintConfig, active: true },
      additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, ourProvider, lintModule,
                          translateModule(locale, words)],
      moddleExtensions: { spiffworkflow: spiffModdle }
    });
    this.lintIssues = {};
    // Diagrams written by other tools may leave out a node's <incoming>/<outgoing>; the linter reads them.
    this.modeler.on('import.parse.complete', ({ definitions }) => definitions && linkFlows(definitions));
    this.modeler.on('commandStack.changed', () => onChange());
    this.modeler.on('linting.completed', ({ issues }) => { this.lintIssues = issues || {}; onChange(true); });
  }

  async open(xml) {
    await this.modeler.importXML(xml);
    this.modeler.get('canvas').zoom('fit-viewport');
  }

  async content() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  select(elementId) {
    const registry = this.modeler.get('elementRegistry');
    const element = registry.get(elementId);
    if (!element) return false;
    this.modeler.get('selection').select(element);
    this.modeler.get('canvas').scrollToElement(element);
    return true;
  }

  // The server's problems drawn on their elements (lint issues draw themselves).
  mark(problems) {
    const overlays = this.modeler.get('overlays');
    overlays.remove({ type: 'server-problem' });
    const registry = this.modeler.get('elementRegistry');
    for (const problem of problems) {
      if (!problem.element || !registry.get(problem.element)) continue;
      const badge = document.createElement('div');
      badge.className = 'server-problem';
      badge.textContent = '!';
      badge.title = problem.message;
      overlays.add(problem.element, 'server-problem', { position: { top: -12, right: 12 }, html: badge });
    }
  }

  // Where a dry run's case waits: its tasks and clocks outlined on the diagram.
  markWaiting(elementIds) {
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    for (const element of registry.filter((e) => canvas.hasMarker(e, 'dry-run-waiting'))) {
      canvas.removeMarker(element, 'dry-run-waiting');
    }
    for (const id of elementIds) {
      if (registry.get(id)) canvas.addMarker(id, 'dry-run-waiting');
    }
  }

  destroy() {
    this.modeler.destroy();
  }
}
