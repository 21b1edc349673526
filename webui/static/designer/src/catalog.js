// The closed sets of the open draft (form files, decision ids, processes, messages, roles, functions), as the
// server lists them; the pickers and our lint rules read them.
let current = { forms: [], decisions: [], processes: [], messages: [], roles: [], functions: [] };

export function catalog() {
  return current;
}

export function setCatalog(value) {
  current = value;
}
