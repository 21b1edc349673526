// The designer studio: the draft's files in editors, saved with the revision each was opened at (a stale save
// shows both versions), validated by the server (problems on their elements and in a list, next to the lint
// issues found while editing), the deadlines preview, the dry run of a sample case, and deploy with a note.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import './studio.css';

import { setCatalog } from './catalog';
import { BpmnEditor } from './bpmn-editor';
import { DmnEditor } from './dmn-editor';
import { TextEditor } from './text-editor';
import { DryRunPanel } from './dry-run';

const page = JSON.parse(document.getElementById('studio-data').textContent);
const words = page.words;
const $ = (selector) => document.querySelector(selector);
const csrf = document.querySelector('meta[name=csrf-token]').content;

const state = { files: {}, current: null, editor: null, problems: [], warnings: [], checks: 0 };

async function call(method, url, body) {
  const response = await fetch(url, {
    method, headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
    body: body === undefined ? undefined : JSON.stringify(body)
  });
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, data };
}

function say(message, kind = 'info') {
  const status = $('#studio-status');
  status.textContent = message;
  status.className = `studio-status ${kind}`;
}

function fileList() {
  const list = $('#file-list');
  list.innerHTML = '';
  for (const path of Object.keys(state.files).sort()) {
    const file = state.files[path];
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'file' + (path === state.current ? ' current' : '');
    button.dataset.path = path;
    const errors = state.problems.filter((p) => p.file === path).length;
    button.textContent = path + (file.dirty ? ' •' : '') + (errors ? ` (${errors})` : '');
    button.addEventListener('click', () => openFile(path));
    item.appendChild(button);
    list.appendChild(item);
  }
}

async function keepCurrent() {
  if (state.current && state.editor && state.files[state.current].dirty) {
    state.files[state.current].content = await state.editor.content();
  }
}

function markDirty() {
  if (!state.current) return;
  const file = state.files[state.current];
  if (!file.dirty) {
    file.dirty = true;
    fileList();
  }
  scheduleCheck();
}

// While editing: a moment after the last change, the server checks the draft with the unsaved edits (what only
// Python can tell, such as a script's syntax, next to the lint rules) and sends the pickers' sets as they now are.
let checkTimer = null;
let checkSent = 0;

function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(liveCheck, 800);
}

async function liveCheck() {
  await keepCurrent();
  const files = {};
  for (const [path, file] of Object.entries(state.files)) {
    if (file.dirty) files[path] = file.content;
  }
  if (Object.keys(files).length === 0) return;
  const sent = ++checkSent;
  const result = await call('POST', page.urls.check, { files });
  if (!result.ok || sent !== checkSent) return;  // a later check is on its way
  state.problems = result.data.problems || [];
  state.warnings = result.data.warnings || [];
  setCatalog(result.data.catalog);
  if (state.editor) state.editor.mark(state.problems.filter((p) => p.file === state.current));
  fileList();
  renderProblems();
  $('#studio').dataset.checks = String(++state.checks);
}

async function openFile(path) {
  await keepCurrent();
  if (state.editor) state.editor.destroy();
  state.current = path;
  const canvas = $('#canvas');
  const panel = $('#properties');
  canvas.innerHTML = '';
  panel.innerHTML = '';
  $('#form-preview').hidden = true;
  $('#studio').dataset.kind = path.split('.').pop();
  if (path.endsWith('.bpmn')) {
    state.editor = new BpmnEditor(canvas, panel, page.locale, words, (lintOnly) => {
      if (!lintOnly) markDirty();
      renderProblems();
    });
  } else if (path.endsWith('.dmn')) {
    state.editor = new DmnEditor(canvas, markDirty);
  } else {
    const isForm = path.startsWith('forms/');
    $('#form-preview').hidden = !isForm;
    state.editor = new TextEditor(canvas, $('#form-preview-body'), markDirty, isForm ? previewForm : null);
  }
  const dirty = state.files[path].dirty;
  await state.editor.open(state.files[path].content);
  state.files[path].dirty = dirty;  // opening is not an edit
  state.editor.mark(state.problems.filter((p) => p.file === path));
  fileList();
  renderProblems();
}

async function previewForm(text) {
  const result = await call('POST', page.urls.formPreview, { content: text });
  return result.ok ? result.data : `<p class="field-error">${escapeHtml(result.data.message || '')}</p>`;
}

function escapeHtml(text) {
  const div = document.createElement('div');
  div.textContent = text;
  return div.innerHTML;
}

function lintProblems() {
  if (!state.current || !state.current.endsWith('.bpmn') || !state.editor || !state.editor.lintIssues) return [];
  const found = [];
  for (const [element, issues] of Object.entries(state.editor.lintIssues)) {
    for (const issue of issues) {
      found.push({ file: state.current, element, line: null, severity: issue.category === 'error' ? 'error' : 'warning',
                   message: issue.message, source: 'lint', rule: issue.rule });
    }
  }
  return found;
}

function renderProblems() {
  const list = $('#problems');
  list.innerHTML = '';
  const all = [...state.problems, ...lintProblems().filter((p) => p.severity === 'error'), ...state.warnings];
  $('#problem-count').textContent = String(all.filter((p) => p.severity === 'error').length);
  for (const problem of all) {
    const item = document.createElement('li');
    item.className = `problem ${problem.severity}`;
    item.dataset.element = problem.element || '';
    item.dataset.file = problem.file;
    const where = `${problem.file}${problem.line ? ':' + problem.line : ''}${problem.element ? ' · ' + problem.element : ''}`;
    const source = problem.source === 'lint' ? words['lint'] : words['server'];
    item.innerHTML = `<span class="where"></span> <span class="source"></span> <span class="message"></span>`;
    item.querySelector('.where').textContent = where;
    item.querySelector('.source').textContent = source;
    item.querySelector('.message').textContent = problem.message;
    item.addEventListener('click', async() => {
      if (problem.file !== state.current) await openFile(problem.file);
      if (problem.element) state.editor.select(problem.element);
    });
    list.appendChild(item);
  }
}

async function saveAll() {
  await keepCurrent();
  for (const path of Object.keys(state.files).sort()) {
    const file = state.files[path];
    if (!file.dirty) continue;
    const result = await call('PUT', `${page.urls.files}${path}`, { content: file.content, revision: file.revision });
    if (result.status === 409 && result.data.theirs) {
      showConflict(path, result.data);
      return false;
    }
    if (!result.ok) {
      say(result.data.message || String(result.status), 'error');
      return false;
    }
    file.revision = result.data.revision;
    file.dirty = false;
  }
  fileList();
  say(words['Saved.'], 'ok');
  return true;
}

function showConflict(path, answer) {
  const dialog = $('#conflict');
  dialog.querySelector('.conflict-message').textContent = answer.message;
  dialog.querySelector('#conflict-mine').value = state.files[path].content;
  dialog.querySelector('#conflict-theirs').value = answer.theirs.content;
  dialog.querySelector('#keep-mine').onclick = async() => {
    state.files[path].revision = answer.theirs.revision;
    dialog.close();
    await saveAll();
  };
  dialog.querySelector('#take-theirs').onclick = async() => {
    Object.assign(state.files[path], { content: answer.theirs.content, revision: answer.theirs.revision, dirty: false });
    dialog.close();
    if (state.current === path) {
      state.current = null;
      await openFile(path);
    }
    say(words['Their version is loaded.'], 'info');
  };
  dialog.showModal();
  say(answer.message, 'error');
}

async function validate() {
  if (!(await saveAll())) return false;
  const result = await call('POST', page.urls.validate);
  state.problems = result.data.problems || [];
  state.warnings = result.data.warnings || [];
  if (state.editor) state.editor.mark(state.problems.filter((p) => p.file === state.current));
  fileList();
  renderProblems();
  say(result.data.valid ? words['The draft is valid.'] : words['The draft has problems; see the list.'],
      result.data.valid ? 'ok' : 'error');
  return result.data.valid;
}

async function deploy() {
  const note = $('#deploy-note').value.trim();
  if (!note) {
    say(words['Say what changed before deploying.'], 'error');
    $('#deploy-note').focus();
    return;
  }
  if (!(await validate())) return;
  const result = await call('POST', page.urls.deploy, { note });
  if (!result.ok) {
    state.problems = result.data.problems || state.problems;
    renderProblems();
    say(result.data.message, 'error');
    return;
  }
  let message = words['Deployed as version {version}. New cases start on it; running cases stay on theirs.']
    .replace('{version}', result.data.version_id);
  if (result.data.deadlines_changed) message += ' ' + words['deadlines note'];
  say(message, 'ok');
  $('#studio').dataset.deployed = String(result.data.version_id);
  for (const button of document.querySelectorAll('.needs-open')) button.disabled = true;
}

async function previewClocks() {
  if (!(await saveAll())) return;
  const received = $('#received').value;
  const result = await call('POST', page.urls.preview, { received: received + ':00+08:00', track: $('#track').value });
  const body = $('#clocks tbody');
  body.innerHTML = '';
  if (!result.ok) {
    say(result.data.message || JSON.stringify(result.data.fields), 'error');
    return;
  }
  for (const clock of result.data.clocks) {
    const row = document.createElement('tr');
    row.dataset.clock = clock.key;
    const label = page.locale === 'en' ? clock.label_en : clock.label_zh;
    for (const cell of [label, `${clock.length} ${words[clock.unit]}`, clock.start.slice(0, 16).replace('T', ' ') + (clock.assumed ? ' *' : ''),
                        clock.due.slice(0, 16).replace('T', ' '), clock.reminder.slice(0, 16).replace('T', ' ')]) {
      const td = document.createElement('td');
      td.textContent = cell;
      row.appendChild(td);
    }
    body.appendChild(row);
  }
  // A year the working-day calendar does not know in full (the sentence comes from the server's catalogs).
  const warnings = $('#clock-warnings');
  warnings.innerHTML = '';
  for (const warning of result.data.warnings || []) {
    const item = document.createElement('li');
    item.dataset.code = warning.code;
    item.textContent = warning.message;
    warnings.appendChild(item);
  }
  $('#clocks-panel').hidden = false;
}

// A new form file: a JSON Schema with a bilingual title and no fields yet, saved with the next save.
async function newForm(event) {
  event.preventDefault();
  const name = $('#new-form-name').value.trim();
  if (!/^[a-z][a-z0-9_-]*$/.test(name)) {
    say(words['A form name is lower-case letters, digits, _ and -, starting with a letter.'], 'error');
    return;
  }
  const path = `forms/${name}.json`;
  if (state.files[path]) {
    say(words['A file of that name exists.'], 'error');
    return;
  }
  const schema = { title: `${name} 新表单 New form`, type: 'object', required: [], properties: {} };
  state.files[path] = { content: JSON.stringify(schema, null, 2) + '\n', revision: null, dirty: true };
  $('#new-form-name').value = '';
  await openFile(path);
  say(`${words['New form']}: ${path}`, 'info');
  scheduleCheck();
}

async function start() {
  const result = await call('GET', page.urls.draft);
  setCatalog(result.data.catalog);
  for (const file of result.data.draft.files) {
    state.files[file.path] = { content: file.content, revision: file.revision, dirty: false };
  }
  $('#save').addEventListener('click', saveAll);
  $('#validate').addEventListener('click', validate);
  $('#deploy').addEventListener('click', deploy);
  $('#preview-clocks').addEventListener('click', previewClocks);
  $('#new-form').addEventListener('submit', newForm);
  state.dryRun = new DryRunPanel({
    root: $('#dry-run-panel'), call, save: saveAll, say, words, url: page.urls.dryRun, timezone: page.timezone,
    received: () => $('#received').value, editor: () => state.editor
  });
  window.addEventListener('beforeunload', (event) => {
    if (Object.values(state.files).some((f) => f.dirty)) event.preventDefault();
  });
  await openFile(state.files['petition.bpmn'] ? 'petition.bpmn' : Object.keys(state.files).sort()[0]);
  $('#studio').dataset.ready = 'true';
}

window.studio = { state, openFile, saveAll, validate, select: (id) => state.editor.select(id) };
start();
