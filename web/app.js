// app.js — wires the page together: loads the WebAssembly checker once,
// attaches the widget to the sign-up demo, starts the list tool, and keeps
// the prober settings (address + API key) in localStorage.

import { load } from './mailcheck.mjs';
import { attach } from './widget.js';
import { ListTool } from './listtool.js';
import { ProberClient, loadSettings, saveSettings } from './api.js';
import { watchResolver } from './resolver.js';

const $ = (id) => document.getElementById(id);
let settings = loadSettings();

function client() {
  return new ProberClient({ baseUrl: settings.baseUrl, apiKey: settings.apiKey });
}

function showSettingsBadge() {
  const badge = $('api-badge');
  let text = 'this site';
  if (settings.baseUrl) {
    try { text = new URL(settings.baseUrl, location.href).host; } catch { text = settings.baseUrl; }
  }
  badge.textContent = settings.apiKey ? `${text} · key` : text;
}

function openSettings() {
  $('settings-url').value = settings.baseUrl;
  $('settings-key').value = settings.apiKey;
  $('settings').showModal();
  $('settings-url').focus();
}

function setupSettings(onChange) {
  $('settings-open').addEventListener('click', openSettings);
  $('settings-cancel').addEventListener('click', () => $('settings').close());
  $('settings-form').addEventListener('submit', () => {
    settings = { baseUrl: $('settings-url').value.trim(), apiKey: $('settings-key').value.trim() };
    saveSettings(settings);
    showSettingsBadge();
    onChange();
  });
  showSettingsBadge();
}

function setupSignup(mc) {
  const input = $('signup-email');
  let widget = null;
  const make = () => {
    widget?.destroy();
    widget = attach(input, {
      mailcheck: mc,
      messageElement: $('signup-message'),
      verify: $('signup-verify').checked ? { client: client() } : false,
    });
  };
  make();
  $('signup-verify').addEventListener('change', make);
  for (const b of document.querySelectorAll('[data-try]')) {
    b.addEventListener('click', () => {
      input.value = b.dataset.try;
      input.focus();
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }
  $('signup-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const r = widget.check();
    const out = $('signup-result');
    if (!r || !r.syntax.valid) {
      out.textContent = 'Please fix the e-mail address first.';
      out.dataset.level = 'error';
      input.focus();
    } else {
      out.textContent = `Demo only: an account for ${r.normalized} would be created now.`;
      out.dataset.level = 'ok';
    }
  });
  return make;
}

async function main() {
  let mc;
  try {
    mc = await load();
  } catch (e) {
    $('core-info').textContent = `The checker could not start (${e.message}). Is mailcheck.wasm next to this page?`;
    $('core-info').dataset.level = 'error';
    return;
  }
  $('core-info').textContent = `Checker ready: core ${mc.version}, ${mc.lists.disposable_count.toLocaleString('en')} disposable domains, ${mc.lists.free_count.toLocaleString('en')} free providers — running in your browser.`;
  document.documentElement.dataset.ready = 'true';
  const remakeSignup = setupSignup(mc);
  const tool = new ListTool({ mailcheck: mc, getClient: client, openSettings });
  const resolver = watchResolver({ getClient: client, element: $('dns-banner') });
  setupSettings(() => { remakeSignup(); resolver.check(); });
  // Test hook and console helper; not an API.
  window.mailprobePage = { tool, mc };
}

main();
