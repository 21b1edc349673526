// The DMN editor: dmn-js Modeler opening the decision table view of the routing and triage tables.
import DmnModeler from 'dmn-js/lib/Modeler';

export class DmnEditor {
  constructor(canvas, onChange) {
    this.modeler = new DmnModeler({ container: canvas, common: { keyboard: { bindTo: window } } });
    this.onChange = onChange;
    this.modeler.on('views.changed', () => this._listen());
  }

  _listen() {
    const viewer = this.modeler.getActiveViewer();
    if (viewer && !viewer.__ecoListening) {
      viewer.__ecoListening = true;
      viewer.on('elements.changed', () => this.onChange());
    }
  }

  async open(xml) {
    await this.modeler.importXML(xml);
    const table = this.modeler.getViews().find((view) => view.type === 'decisionTable');
    if (table) await this.modeler.open(table);
    this._listen();
  }

  async content() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  select() { return false; }
  mark() {}

  destroy() {
    this.modeler.destroy();
  }
}
