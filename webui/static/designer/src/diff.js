// The versions' diff: both diagrams side by side, added elements green, removed red, changed amber.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import './studio.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

const page = JSON.parse(document.getElementById('diff-data').textContent);
const $ = (selector) => document.querySelector(selector);
const left = new NavigatedViewer({ container: '#diff-old' });
const right = new NavigatedViewer({ container: '#diff-new' });

async function show() {
  const oldId = $('#old-version').value;
  const newId = $('#new-version').value;
  const file = $('#diff-file').value;
  const answer = await (await fetch(`${page.urls.versions}${oldId}/diff/${newId}`)).json();
  const diagram = answer.diagrams.find((d) => d.path === file) || { added: [], removed: [], changed: [] };
  for (const [viewer, id, marks] of [[left, oldId, { removed: diagram.removed, changed: diagram.changed }],
                                       [right, newId, { added: diagram.added, changed: diagram.changed }]]) {
    const response = await fetch(`${page.urls.versions}${id}/files/${file}`);
    if (!response.ok) continue;
    await viewer.importXML(await response.text());
    viewer.get('canvas').zoom('fit-viewport');
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    for (const [kind, ids] of Object.entries(marks)) {
      for (const elementId of ids) if (registry.get(elementId)) canvas.addMarker(elementId, `diff-${kind}`);
    }
  }
  const list = $('#diff-summary');
  list.innerHTML = '';
  const lines = [];
  for (const d of answer.diagrams) {
    for (const kind of ['added', 'removed', 'changed']) {
      if (d[kind].length) lines.push(`${d.path}: ${page.words[kind]}: ${d[kind].join(', ')}`);
    }
  }
  for (const kind of ['files_added', 'files_removed', 'files_changed']) {
    if (answer[kind].length) lines.push(`${page.words[kind]}: ${answer[kind].join(', ')}`);
  }
  if (!lines.length) lines.push(page.words['no differences']);
  for (const line of lines) {
    const item = document.createElement('li');
    item.textContent = line;
    list.appendChild(item);
  }
  document.body.dataset.diffShown = 'true';
}

$('#show-diff').addEventListener('click', show);
