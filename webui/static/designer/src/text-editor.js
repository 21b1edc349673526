// Forms (JSON Schema) and the deadlines table (YAML) as text; forms get a live preview drawn by the server with
// the operators' own widgets.
export class TextEditor {
  constructor(canvas, preview, onChange, previewForm) {
    canvas.innerHTML = '';
    this.area = document.createElement('textarea');
    this.area.className = 'code';
    this.area.spellcheck = false;
    this.area.id = 'file-text';
    canvas.appendChild(this.area);
    this.preview = preview;
    this.previewForm = previewForm;
    let timer = null;
    this.area.addEventListener('input', () => {
      onChange();
      clearTimeout(timer);
      timer = setTimeout(() => this.refresh(), 300);
    });
  }

  async open(text) {
    this.area.value = text;
    await this.refresh();
  }

  async refresh() {
    if (this.previewForm) {
      this.preview.innerHTML = await this.previewForm(this.area.value);
    }
  }

  async content() { return this.area.value; }
  select() { return false; }
  mark() {}
  destroy() {}
}
