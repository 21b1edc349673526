// The dry run panel: a sample case driven through the saved draft along the path the designer picks. The
// server replays the whole path on every request (nothing is kept between them), so undoing a step is
// dropping it from the list. Where the case waits is drawn on the open diagram.

export class DryRunPanel {
  constructor({ root, call, save, say, words, url, received, editor, timezone }) {
    Object.assign(this, { root, call, save, say, words, url, received, editor });
    // 'YYYY-MM-DD HH:MM' in the bureaus' time zone (Swedish dates are ISO-like).
    const format = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit' });
    this.local = (iso) => format.format(new Date(iso));
    this.steps = [];
    this.sample = null;
    this.kept = {};  // data typed for a step the server refused, shown again in its box
    root.querySelector('#dry-run-start').addEventListener('click', () => this.start());
    root.querySelector('#dry-run-undo').addEventListener('click', () => this.undo());
  }

  async start() {
    const text = this.root.querySelector('#dry-run-sample').value.trim();
    if (text && this.sample) {
      try {
        this.sample = JSON.parse(text);
      } catch (error) {
        this.say(`${this.words['Sample case']}: ${error.message}`, 'error');
        return;
      }
    } else {
      this.sample = null;
    }
    this.steps = [];
    await this.run();
  }

  async undo() {
    this.steps.pop();
    await this.run();
  }

  async add(step) {
    this.steps.push(step);
    await this.run();
  }

  async run() {
    if (!(await this.save())) return;
    const result = await this.call('POST', this.url,
      { received: this.received() + ':00+08:00', sample: this.sample, steps: this.steps });
    if (!result.ok) {
      const fields = result.data.fields ? Object.entries(result.data.fields).map(([f, m]) => `${f}: ${m}`).join('; ') : '';
      this.say([result.data.message, fields].filter(Boolean).join(' '), 'error');
      this.steps.pop();
      return;
    }
    this.sample = result.data.sample;
    this.root.querySelector('#dry-run-sample').value = JSON.stringify(this.sample, null, 2);
    const run = result.data.run;
    this.kept = {};
    if (run.failure) {
      const failed = this.steps[run.failure.index];
      if (failed && failed.kind === 'complete') this.kept[failed.task] = failed.data;
      this.steps = this.steps.slice(0, run.failure.index);
    }
    this.render(run);
  }

  render(run) {
    const w = this.words;
    const root = this.root;
    root.dataset.steps = String(this.steps.length);
    root.querySelector('#dry-run-undo').disabled = this.steps.length === 0;
    const status = root.querySelector('#dry-run-status');
    status.textContent = `${run.case_no} · ${run.status} · ${w['Clock at']} ${this.local(run.now)}` +
      (run.ended ? ` · ${w['The case has ended.']}` : '');
    const failure = root.querySelector('#dry-run-failure');
    failure.hidden = !run.failure;
    if (run.failure) {
      const fields = Object.entries(run.failure.fields || {}).map(([f, m]) => `${f}: ${m}`).join('; ');
      failure.textContent = `${w['Step {n} was not done:'].replace('{n}', run.failure.index + 1)} ` +
        `${run.failure.message}${fields ? ' ' + fields : ''}`;
    }

    const trail = root.querySelector('#dry-run-trail');
    trail.innerHTML = '';
    for (const entry of run.trail) {
      const item = document.createElement('li');
      item.dataset.command = entry.command;
      item.textContent = `${this.local(entry.at)}  ${w['command.' + entry.command] || entry.command}  ` +
        `${entry.names.join(', ')}${entry.organisation ? '  (' + entry.organisation + ')' : ''}`;
      trail.appendChild(item);
    }

    const waiting = root.querySelector('#dry-run-waiting');
    waiting.innerHTML = '';
    for (const task of run.waiting) {
      const box = document.createElement('div');
      box.className = 'dry-run-task';
      box.dataset.task = task.task;
      const head = document.createElement('div');
      head.textContent = `${task.title} · ${task.organisation || ''} · ${task.role || ''}` +
        (task.due_at ? ` · ${w['due']} ${this.local(task.due_at)}` : '');
      const data = document.createElement('textarea');
      data.className = 'code';
      data.rows = 6;
      data.setAttribute('aria-label', `${task.title}: ${w['Answer (JSON)']}`);
      data.value = JSON.stringify(this.kept[task.task] || task.sample, null, 2);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'dry-run-complete';
      button.textContent = w['Complete'];
      button.addEventListener('click', () => {
        let answer;
        try {
          answer = JSON.parse(data.value);
        } catch (error) {
          this.say(`${task.title}: ${error.message}`, 'error');
          return;
        }
        this.add({ kind: 'complete', task: task.task, organisation: task.organisation || '', data: answer });
      });
      box.append(head, data, button);
      waiting.appendChild(box);
    }
    for (const message of run.messages) {
      const box = document.createElement('div');
      box.className = 'dry-run-message';
      box.dataset.message = message;
      const head = document.createElement('div');
      head.textContent = `${w['Message']}: ${message}`;
      const data = document.createElement('textarea');
      data.className = 'code';
      data.rows = 3;
      data.setAttribute('aria-label', `${message}: ${w['Payload (JSON)']}`);
      data.value = '{}';
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = w['Send'];
      button.addEventListener('click', () => {
        let payload;
        try {
          payload = JSON.parse(data.value);
        } catch (error) {
          this.say(`${message}: ${error.message}`, 'error');
          return;
        }
        this.add({ kind: 'message', message, data: payload });
      });
      box.append(head, data, button);
      waiting.appendChild(box);
    }
    const timers = root.querySelector('#dry-run-timers');
    timers.innerHTML = '';
    for (const timer of run.timers) {
      const item = document.createElement('li');
      item.textContent = `${timer.name} · ${this.local(timer.due_at)}`;
      timers.appendChild(item);
    }
    const wait = root.querySelector('#dry-run-wait');
    wait.hidden = run.timers.length === 0;
    wait.onclick = () => this.add({ kind: 'wait' });
    root.querySelector('#dry-run-result').hidden = false;
    const editor = this.editor();
    if (editor && editor.markWaiting) editor.markWaiting([...run.waiting.map((t) => t.element), ...run.timers.map((t) => t.element)]);
  }
}
