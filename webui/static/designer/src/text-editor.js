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

  // Resolves once the text is in place; the preview follows on its own. Waiting for the preview here let an edit
  // typed while it was drawn be taken for the file as opened (the studio resets `dirty` when open resolves).
  async open(text) {
    this.area.value = text;
    this.refresh();
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
