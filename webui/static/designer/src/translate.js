// bpmn-js's translate service in the page's language: our own words from the gettext catalogs (handed over by
// the page), the palette's and context pad's from bpmn-js-i18n's Chinese table.
import zh from 'bpmn-js-i18n/translations/zn';

export function translateModule(locale, words) {
  const table = Object.assign({}, locale === 'zh_CN' ? zh : {}, words || {});
  function translate(template, replacements) {
    const text = table[template] || template;
    return text.replace(/{([^}]+)}/g, (_, key) => (replacements && key in replacements ? replacements[key] : `{${key}}`));
  }
  return { translate: ['value', translate] };
}
