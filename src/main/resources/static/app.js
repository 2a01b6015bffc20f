// Parley web client, built on the JavaScript SDK (/sdk/parley.js, docs/sdk.md): REST for accounts,
// conversations and history; the SDK's ParleyClient for everything live (transport choice and
// downgrade, reconnect with backoff, heartbeat, resume, order and duplicates, retried sends, typing).
// Plain ES module, no dependencies. Protocol: docs/protocol.md.

import { ParleyClient } from './sdk/parley.js';

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'parley.token';
const REFRESH_KEY = 'parley.refresh';
const PAGE_SIZE = 50;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,                 // {userId, username}
  client: null,             // the SDK's ParleyClient while logged in
  everOpen: false,          // the client has been connected once: a later drop shows the banner
  conversations: [],        // summaries, newest first
  unread: new Map(),        // conversation id -> unread count (GET /api/me/unread, then live frames)
  readSeq: new Map(),       // conversation id -> our highest read seq heard (pointers only move forward)
  peerPointer: new Map(),   // direct conversation id -> the other member's {deliveredSeq, readSeq}: our ticks
  open: null,               // the open conversation (with members), see openConversation
  pending: new Map(),       // clientMessageId -> {conversationId, body, failed}: sends not acknowledged yet
  presence: new Map(),      // userId -> {status, lastSeen}, for the users we watch
  directPeer: new Map(),    // direct conversation id -> the other member's userId
  typing: new Map(),        // conversationId -> Map(userId -> timer that hides the indicator)
  newest: new Map(),        // conversationId -> highest seq taken in (the SDK hands entries in order)
  typer: null,              // the SDK's TypingIndicator for the open conversation's composer
};

// Timings of our own; the SDK's (typing renew 3 s and stop after 1 s idle, backoff, heartbeat) are in docs/sdk.md.
const TYPING_HIDE_MS = 8000;        // no renew or stop heard for this long: hide (a lost hint)
const AWAY_AFTER_MS = 5 * 60 * 1000;

// Test hooks, read from the page's query string (the browser tests use them; see docs/sdk.md):
//   ?blockWebSocket       every WebSocket fails to connect, as behind a proxy that blocks them
//   ?blockEventSource     every server-sent events stream fails likewise (so long polling is what is left)
//   ?reconnectCapMs=N     cap the reconnect backoff at N ms (default 30 s)
const hooks = new URLSearchParams(location.search);

const online = () => state.client?.state === 'open';

// ---------- status line ----------

// Info notices clear themselves after a few seconds; errors stay until replaced or dismissed.
let statusTimer = null;
function status(text, kind = 'info') {
  const el = $('status');
  state.opNotice = false;
  clearTimeout(statusTimer);
  el.replaceChildren();
  el.className = `status ${text ? kind : ''}`;
  if (!text) return;
  el.append(text);
  if (kind === 'info') {
    statusTimer = setTimeout(() => status(''), 4000);
  } else {
    const close = Object.assign(document.createElement('button'), { type: 'button', className: 'dismiss', textContent: '×', title: 'Dismiss' });
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', () => status(''));
    el.append(close);
  }
}
const fail = (err) => status(err.message || String(err), 'error');

// ---------- REST ----------

class ApiError extends Error {
  constructor(res, problem) {
    super(problem?.detail || problem?.title || `${res.status} ${res.statusText}`);
    this.status = res.status;
    this.code = problem?.code;
  }
}

/** Trades the refresh token for new tokens (rotation: the old refresh token is spent). False if the login ended. */
let refreshing = null;
function refreshTokens() {
  const refreshToken = sessionStorage.getItem(REFRESH_KEY);
  if (!refreshToken) return Promise.resolve(false);
  refreshing ??= fetch('/api/auth/refresh', {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ refreshToken }),
  }).then(async (res) => {
    if (!res.ok) return false;
    keepTokens(await res.json());
    return true;
  }).catch(() => false).finally(() => { refreshing = null; });
  return refreshing;
}

function keepTokens(login) {
  state.token = login.accessToken;
  sessionStorage.setItem(TOKEN_KEY, state.token);
  if (login.refreshToken) sessionStorage.setItem(REFRESH_KEY, login.refreshToken);
}

/** Whether the access token expires within 30 s (or cannot be read): then it is refreshed before use. */
function expiringSoon(token) {
  try {
    const { exp } = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return exp * 1000 - Date.now() < 30_000;
  } catch { return true; }
}

/** The SDK's token source: a fresh token when the server asks (`reauthenticate`) or the old one runs out. */
async function currentToken(fresh = false) {
  if ((fresh || expiringSoon(state.token)) && !(await refreshTokens()) && fresh) throw new Error('login ended');
  return state.token;
}

async function api(method, path, body, retried = false) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new ApiError(res, data);
    if (res.status === 401 && state.token && !path.startsWith('/api/auth/')) {
      if (!retried && await refreshTokens()) return api(method, path, body, true);
      logout('Your session has expired: log in again.');
    }
    throw err;
  }
  return data;
}

const lookupUser = (username) => api('GET', `/api/users?username=${encodeURIComponent(username)}`);

// ---------- authentication ----------

async function onAuthSubmit(event) {
  event.preventDefault();
  const form = event.target;
  const action = event.submitter?.value || 'login';
  const creds = { username: form.username.value.trim(), password: form.password.value };
  if (action === 'register') {
    const problem = !/^[A-Za-z0-9_.-]{3,32}$/.test(creds.username)
      ? 'Usernames are 3–32 characters: letters, digits, _ . and -.'
      : new TextEncoder().encode(creds.password).length < 8 ? 'The password needs at least 8 characters.'
        : new TextEncoder().encode(creds.password).length > 72 ? 'The password can be at most 72 bytes long.' : null;
    if (problem) return status(problem, 'error');
  }
  try {
    if (action === 'register') await api('POST', '/api/auth/register', creds);
    const login = await api('POST', '/api/auth/login', creds);
    keepTokens(login);
    form.reset();
    await start();
  } catch (err) { fail(err); }
}

function logout(message = '', { signOut = false } = {}) {
  // A deliberate logout ends this login on the server too: its refresh token and its other connections.
  if (signOut && state.token) {
    fetch('/api/auth/logout', { method: 'POST', headers: { Authorization: `Bearer ${state.token}` } }).catch(() => {});
  }
  const client = state.client;
  state.client = null;
  client?.close();          // a normal close: the server marks this device offline at once
  state.everOpen = false;
  state.token = null;
  state.me = null;
  state.open = null;
  state.typer?.blur();
  state.typer = null;
  state.pending.clear();
  state.newest.clear();
  state.unread.clear();
  state.directPeer.clear();
  state.presence.clear();
  state.typing.forEach((typists) => typists.forEach(clearTimeout));
  state.typing.clear();
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(REFRESH_KEY);
  setConn({ state: 'closed' });
  banner(null);
  $('conv-pane').hidden = true;
  $('empty-hint').hidden = false;
  $('chat-view').classList.remove('has-open');
  showView('auth');
  status(message, message ? 'error' : 'info');
}

function showView(which) {
  $('auth-view').hidden = which !== 'auth';
  $('chat-view').hidden = which !== 'chat';
  $('whoami').hidden = which !== 'chat';
}


async function start() {
  state.me = await api('GET', '/api/me');
  $('me-name').textContent = state.me.username;
  showView('chat');
  status('');
  await refreshConversations();
  connect();
}

// ---------- conversation list ----------

function conversationTitle(c) {
  if (c.kind === 'group') return c.name || 'Unnamed group';
  const other = (c.members || []).find((m) => m.userId !== state.me?.userId);
  return other ? other.username : c.name || 'Direct chat';  // a summary names a 1:1 after the other member
}

async function refreshConversations() {
  state.conversations = await api('GET', '/api/conversations');
  const unread = await api('GET', '/api/me/unread');
  for (const c of unread.conversations) {
    state.unread.set(c.conversationId, c.unread);
    state.readSeq.set(c.conversationId, Math.max(state.readSeq.get(c.conversationId) || 0, c.readSeq));
  }
  // Summaries do not name the other member of a 1:1: look it up once per conversation, for its dot.
  await Promise.all(state.conversations
    .filter((c) => c.kind === 'direct' && !state.directPeer.has(c.id))
    .map(async (c) => {
      const conv = await api('GET', `/api/conversations/${c.id}`);
      const other = conv.members.find((m) => m.userId !== state.me?.userId);
      if (other) state.directPeer.set(c.id, other.userId);
    }));
  renderConversations();
  subscribePresence();
}
// ---------- presence ----------

function presenceDot(userId) {
  const dot = document.createElement('span');
  const p = state.presence.get(userId);
  const status = p?.status || 'offline';
  dot.className = `dot dot-${status}`;
  dot.dataset.user = userId;
  dot.title = status === 'offline' && p?.lastSeen ? `offline, last seen ${new Date(p.lastSeen).toLocaleString()}` : status;
  return dot;
}


// Watch the people we can see on screen: the other member of each 1:1 and the open conversation's
// members. The SDK remembers the list and subscribes again on every new connection.
function subscribePresence() {
  if (!state.client) return;
  const ids = new Set(state.directPeer.values());
  for (const m of state.open?.members || []) ids.add(m.userId);
  ids.delete(state.me?.userId);
  state.client.watchPresence([...ids].slice(0, 100));
}

function onPresence(p) {
  state.presence.set(p.userId, { status: p.status, lastSeen: p.lastSeen });
  document.querySelectorAll(`.dot[data-user="${p.userId}"]`).forEach((dot) => dot.replaceWith(presenceDot(p.userId)));
}

function onPresenceState(frame) {
  frame.users.forEach(onPresence);
}


// Away after a while without input; back on the next input (the SDK remembers it across reconnects).
let idleTimer = null;
let away = false;
function activity() {
  clearTimeout(idleTimer);
  if (away) state.client?.setAway(false);
  away = false;
  idleTimer = setTimeout(() => {
    away = true;
    state.client?.setAway(true);
  }, AWAY_AFTER_MS);
}

// ---------- typing ----------
// Our own typing is the SDK's TypingIndicator (start at once, renew at most every 3 s, stop 1 s
// after the last keystroke and at once on send or blur); one per open conversation.

function onComposerInput() {
  if (!state.typer) return;
  if (!$('composer').body.value.trim()) state.typer.stop();  // the box was cleared
  else state.typer.keystroke();
}

function onTyping(frame) {
  let typists = state.typing.get(frame.conversationId);
  if (!typists) state.typing.set(frame.conversationId, (typists = new Map()));
  clearTimeout(typists.get(frame.userId));
  if (frame.action === 'stop') typists.delete(frame.userId);
  else typists.set(frame.userId, setTimeout(() => { typists.delete(frame.userId); renderTyping(); }, TYPING_HIDE_MS));
  renderTyping();
}

function renderTyping() {
  const typists = state.open ? [...(state.typing.get(state.open.id)?.keys() || [])] : [];
  const names = typists.map(senderName);
  $('typing').textContent = names.length === 0 ? ''
    : names.length === 1 ? `${names[0]} is typing…`
      : names.length === 2 ? `${names[0]} and ${names[1]} are typing…`
        : `${names.length} people are typing…`;
}

function renderConversations() {
  const list = $('conversations');
  list.replaceChildren(...state.conversations.map((c) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = c.kind;
    button.title = c.kind === 'direct' ? 'Direct chat' : `Group · ${c.memberCount} member${c.memberCount === 1 ? '' : 's'}`;
    const icon = Object.assign(document.createElement('span'), { className: 'kind-icon', textContent: c.kind === 'direct' ? '@' : '#' });
    icon.setAttribute('aria-hidden', 'true');
    const name = Object.assign(document.createElement('span'), { className: 'conv-name', textContent: conversationTitle(c) });
    button.append(icon, name);
    const peer = state.directPeer.get(c.id);
    if (peer && peer !== state.me?.userId) button.append(presenceDot(peer));
    if (state.open?.id === c.id) button.classList.add('active');
    const count = state.unread.get(c.id) || 0;
    if (count > 0) {
      button.classList.add('unread');
      button.append(Object.assign(document.createElement('span'), { className: 'badge', textContent: count > 999 ? '999+' : String(count) }));
    }
    button.addEventListener('click', () => openConversation(c.id).catch(fail));
    li.append(button);
    return li;
  }));
  if (!state.conversations.length) {
    const li = document.createElement('li');
    li.className = 'hint';
    li.textContent = 'No conversations yet.';
    list.append(li);
  }
}

async function onCreateGroup(event) {
  event.preventDefault();
  const form = event.target;
  try {
    const conv = await api('POST', '/api/conversations', { name: form.name.value.trim(), memberIds: [] });
    form.reset();
    await refreshConversations();
    await openConversation(conv.id);
  } catch (err) { fail(err); }
}

async function onOpenDirect(event) {
  event.preventDefault();
  const form = event.target;
  try {
    const user = await lookupUser(form.username.value.trim());
    const conv = await api('POST', '/api/conversations/direct', { userId: user.userId });
    form.reset();
    await refreshConversations();
    await openConversation(conv.id);
  } catch (err) { fail(err); }
}

async function onAddMember(event) {
  event.preventDefault();
  const form = event.target;
  try {
    const user = await lookupUser(form.username.value.trim());
    const conv = await api('POST', `/api/conversations/${state.open.id}/members`, { userId: user.userId, role: 'member' });
    form.reset();
    applyConversation(conv);
    status(`${user.username} was added.`);
  } catch (err) { fail(err); }
}

// ---------- the open conversation ----------
//
// A conversation's log holds entries of three kinds (docs/protocol.md): `message`, `edit` and
// `delete`, numbered 1, 2, 3… by `seq`. The SDK hands live entries to us once each and in seq
// order (it drops duplicates, fetches gaps and resumes from its cursor after a reconnect); history
// comes from REST pages, and client.caughtUp() tells the SDK how far a page went, so a later live
// entry that skips past it is fetched and a reconnect resumes from there. Live entries that arrive
// while a page loads wait in `held`; applying an entry twice is harmless (by seq and version).
// Only `message` entries become bubbles; edits and deletes change the bubble of their targetSeq.

function newOpen(conv) {
  return {
    ...conv,
    messages: [],           // message records sorted by seq: {seq, messageId, senderId, body, sentAt, version, editedAt, deleted, el, draft}
    bySeq: new Map(),       // seq -> record
    nextBefore: null,
    hasMore: false,
    oldestSeq: null,        // lowest seq of any kind loaded from history
    ready: false,           // false while the latest page loads: live entries wait in `held`
    held: [],               // live entries (in order) that arrived while not ready
  };
}

async function openConversation(id) {
  state.typer?.blur();
  const conv = await api('GET', `/api/conversations/${id}`);
  state.open = newOpen(conv);
  state.typer = state.client ? state.client.typing(id) : null;
  if (conv.kind === 'direct') {
    const receipts = await api('GET', `/api/conversations/${id}/receipts`);
    const peer = receipts.pointers.find((p) => p.userId !== state.me?.userId);
    if (peer) state.peerPointer.set(id, peer);
  }
  $('messages').replaceChildren();
  $('history-start').hidden = true;
  $('load-older').hidden = true;
  $('empty-hint').hidden = true;
  $('conv-pane').hidden = false;
  $('chat-view').classList.add('has-open');
  applyConversation(conv);
  renderPending();
  await reloadLatest(state.open);
  scrollToBottom();
  markRead();
  if (!matchMedia('(hover: none)').matches) $('composer').body.focus();
}

function closeConversation() {
  state.typer?.blur();
  state.typer = null;
  state.open = null;
  $('conv-pane').hidden = true;
  $('empty-hint').hidden = false;
  $('chat-view').classList.remove('has-open');
  renderConversations();
  subscribePresence();
}

function applyConversation(conv) {
  Object.assign(state.open, { name: conv.name, kind: conv.kind, members: conv.members || [], createdAt: conv.createdAt });
  $('conv-title').textContent = conversationTitle(state.open);
  $('conv-members').replaceChildren(...state.open.members.flatMap((m, i) => [
    ...(i ? [', '] : []),
    ...(m.userId === state.me?.userId ? [] : [presenceDot(m.userId)]),
    m.role === 'member' ? m.username : `${m.username} (${m.role})`,
  ]));
  $('member-form').hidden = conv.kind !== 'group';
  renderConversations();
  renderTyping();
  subscribePresence();
}

function senderName(senderId) {
  if (senderId === state.me?.userId) return 'you';
  const member = state.open?.members.find((m) => m.userId === senderId);
  return member ? member.username : `user ${String(senderId).slice(0, 8)}`;
}

async function fetchPage(conv, before) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (before != null) query.set('before', String(before));
  return api('GET', `/api/conversations/${conv.id}/messages?${query}`);
}

const kindOf = (entry) => entry.kind || 'message';

// (Re)load the latest page and start the view over from it: on open, when a resume could not

// (Re)load the latest page and start the view over from it: on open, when a resume could not
// recover everything, and after a version conflict. Live entries that arrive meanwhile are held.
async function reloadLatest(conv) {
  conv.ready = false;
  let page;
  try {
    page = await fetchPage(conv, null);
  } finally {
    if (!page && state.open === conv) drainHeld(conv);
  }
  if (state.open !== conv) return;
  const scroller = $('scroller');
  const stick = nearBottom();
  const top = scroller.scrollTop;
  conv.messages = [];
  conv.bySeq.clear();
  conv.oldestSeq = null;
  $('messages').replaceChildren();
  conv.nextBefore = page.nextBefore;
  conv.hasMore = page.hasMore;
  page.messages.forEach((e) => takeHistoryEntry(conv, e));
  const pageMax = page.messages.length ? Math.max(...page.messages.map((e) => e.seq)) : 0;
  state.newest.set(conv.id, Math.max(state.newest.get(conv.id) ?? 0, pageMax));
  renderHistoryStart();
  drainHeld(conv);
  state.client?.caughtUp(conv.id, pageMax);   // may hand us held entries above the page, in order
  if (stick) scrollToBottom(); else scroller.scrollTop = top;
}

async function loadOlder() {
  const conv = state.open;
  if (!conv?.hasMore) return;
  const scroller = $('scroller');
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  const page = await fetchPage(conv, conv.nextBefore);
  if (state.open !== conv) return;
  conv.nextBefore = page.nextBefore;
  conv.hasMore = page.hasMore;
  page.messages.forEach((e) => takeHistoryEntry(conv, e));
  renderHistoryStart();
  scroller.scrollTop = scroller.scrollHeight - fromBottom;  // keep the view where it was
}

// History messages carry their current state already; their edit and delete entries only count for seq.
function takeHistoryEntry(conv, e) {
  conv.oldestSeq = conv.oldestSeq == null ? e.seq : Math.min(conv.oldestSeq, e.seq);
  if (kindOf(e) === 'message') upsertMessage(conv, e);
}

function renderHistoryStart() {
  const conv = state.open;
  if (!conv) return;
  $('load-older').hidden = !conv.hasMore;
  const marker = $('history-start');
  marker.hidden = conv.hasMore;
  if (conv.hasMore) return;
  const me = conv.members.find((m) => m.userId === state.me?.userId);
  const joinedLater = conv.oldestSeq != null ? conv.oldestSeq > 1
    : me && conv.createdAt && new Date(me.joinedAt) - new Date(conv.createdAt) > 2000;
  marker.textContent = joinedLater
    ? 'You joined here. Earlier messages are not shown to members who join later.'
    : 'This is the beginning of the conversation.';
}

// Adds a message, or brings one we show up to a newer version. Returns true if something was added.
function upsertMessage(conv, m) {
  if (state.open !== conv || m.conversationId !== conv.id) return false;
  const have = conv.bySeq.get(m.seq);
  if (have) {
    if ((m.version ?? 1) > (have.version ?? 1)) {
      Object.assign(have, pickState(m));
      renderMessage(have);
    }
    return false;
  }
  const rec = { seq: m.seq, messageId: m.messageId, senderId: m.senderId, sentAt: m.sentAt, ...pickState(m) };
  conv.bySeq.set(rec.seq, rec);
  let i = conv.messages.length;
  while (i > 0 && conv.messages[i - 1].seq > rec.seq) i--;
  conv.messages.splice(i, 0, rec);
  const list = $('messages');
  const next = conv.messages[i + 1]?.el || null;
  list.insertBefore(renderMessage(rec), next);
  return true;
}

function pickState(m) {
  return { body: m.deleted ? null : m.body, version: m.version ?? 1, editedAt: m.editedAt || null, deleted: !!m.deleted };
}

// An edit or delete entry: change its target, if we show it and it is older than this change.
function applyChange(conv, e) {
  const target = conv.bySeq.get(e.targetSeq);
  if (!target || (e.version ?? 0) <= (target.version ?? 1)) return;
  target.version = e.version;
  if (kindOf(e) === 'delete' || e.deleted) {
    target.deleted = true;
    target.body = null;
    target.draft = null;
  } else {
    target.body = e.body;
    target.editedAt = e.editedAt || e.sentAt;
  }
  renderMessage(target);
}

// ---------- live entries ----------

function onEntry(e) {
  const conv = state.open;
  state.newest.set(e.conversationId, Math.max(state.newest.get(e.conversationId) ?? 0, e.seq));
  if (conv && conv.id === e.conversationId) {
    if (conv.ready) applyEntry(conv, e); else conv.held.push(e);
  } else if (kindOf(e) === 'message' && e.senderId !== state.me?.userId && e.seq > (state.readSeq.get(e.conversationId) || 0)) {
    state.unread.set(e.conversationId, (state.unread.get(e.conversationId) || 0) + 1);
    renderConversations();
  }
  afterEntry(e).catch(fail);
}

// What an entry may need besides being shown: a conversation or member we do not know yet, receipts.
async function afterEntry(e) {
  if (!state.conversations.some((c) => c.id === e.conversationId)) await refreshConversations();
  const open = state.open;
  if (open?.id === e.conversationId && e.senderId && !open.members.some((m) => m.userId === e.senderId)) {
    const conv = await api('GET', `/api/conversations/${open.id}`);  // a member we have not seen yet
    if (state.open === open) applyConversation(conv);
  }
  if (e.senderId === state.me?.userId) return;
  if (state.open?.id === e.conversationId) markRead();
  else state.client?.markDelivered(e.conversationId, e.seq);
}

function applyEntry(conv, e) {
  const stick = nearBottom();
  if (kindOf(e) === 'message') {
    if (upsertMessage(conv, e) && stick) scrollToBottom();
  } else {
    applyChange(conv, e);
  }
}

function drainHeld(conv) {
  conv.ready = true;
  const held = conv.held;
  conv.held = [];
  held.forEach((e) => applyEntry(conv, e));
}

function onSkipped({ conversationId }) {
  // A capped resume: the SDK moved past entries it could not replay. Start the open view over from REST.
  if (state.open?.id === conversationId) reloadLatest(state.open).catch(fail);
}

async function onRemoved(frame) {
  state.newest.delete(frame.conversationId);
  if (state.open && state.open.id === frame.conversationId) {
    closeConversation();
    status('You are no longer a member of that conversation.', 'error');
  }
  await refreshConversations();
}

// ---------- rendering a message ----------

function renderMessage(rec) {
  const mine = rec.senderId === state.me?.userId;
  const li = document.createElement('li');
  li.className = ['message', mine ? 'mine' : '', rec.deleted ? 'deleted' : '', rec.busy ? 'sending' : '', rec.draft != null ? 'editing' : '']
    .filter(Boolean).join(' ');
  li.dataset.seq = rec.seq;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const who = document.createElement('strong');
  who.textContent = senderName(rec.senderId);
  const when = document.createElement('span');
  when.textContent = rec.sentAt ? new Date(rec.sentAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  when.title = `#${rec.seq} · ${rec.sentAt ? new Date(rec.sentAt).toLocaleString() : ''}`;
  meta.append(who, ' ', when);
  if (rec.editedAt && !rec.deleted) {
    const edited = document.createElement('span');
    edited.className = 'edited';
    edited.textContent = '(edited)';
    edited.title = `edited ${new Date(rec.editedAt).toLocaleString()}`;
    meta.append(' ', edited);
  }
  if (mine && !rec.deleted) meta.append(' ', Object.assign(document.createElement('span'), { className: 'ticks' }));
  if (mine && !rec.deleted && rec.draft == null && !rec.busy) meta.append(messageActions(rec));
  li.append(meta);

  if (rec.draft != null) {
    li.append(editor(rec));
  } else {
    const body = document.createElement('div');
    body.className = 'body';
    body.textContent = rec.deleted ? 'message deleted' : (rec.body ?? 'encrypted message (this page cannot decrypt it)');
    li.append(body);
  }
  if (rec.confirmDelete) li.append(deleteConfirm(rec));
  renderTicks(li);
  rec.el?.replaceWith(li);
  rec.el = li;
  return li;
}

const linkButton = (text, onClick, className = 'link') => {
  const b = Object.assign(document.createElement('button'), { type: 'button', className, textContent: text });
  b.addEventListener('click', onClick);
  return b;
};

function messageActions(rec) {
  const box = document.createElement('span');
  box.className = 'actions';
  const edit = linkButton('Edit', () => { startEdit(rec, rec.body); });
  edit.setAttribute('aria-label', 'Edit message');
  const del = linkButton('Delete', () => { rec.confirmDelete = true; renderMessage(rec); });
  del.setAttribute('aria-label', 'Delete message');
  box.append(edit, del);
  return box;
}

function deleteConfirm(rec) {
  const row = document.createElement('div');
  row.className = 'confirm';
  row.append('Delete this message for everyone? ',
    linkButton('Delete', () => { rec.confirmDelete = false; sendChange(rec, 'delete'); }, 'link danger'), ' ',
    linkButton('Cancel', () => { rec.confirmDelete = false; renderMessage(rec); }));
  return row;
}

function editor(rec) {
  const form = document.createElement('form');
  form.className = 'edit-form';
  const area = Object.assign(document.createElement('textarea'), { name: 'body', rows: 2, value: rec.draft });
  const fit = () => { area.style.height = 'auto'; area.style.height = `${Math.min(area.scrollHeight + 2, window.innerHeight * 0.5)}px`; };
  area.addEventListener('input', () => { rec.draft = area.value; fit(); });
  requestAnimationFrame(() => { fit(); form.scrollIntoView({ block: 'nearest' }); });
  area.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') { rec.draft = null; renderMessage(rec); }
    else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!area.value.trim()) return status('A message cannot be empty: delete it instead.', 'error');
    if (area.value === rec.body) { rec.draft = null; renderMessage(rec); return; }
    sendChange(rec, 'edit', area.value);
  });
  const row = document.createElement('div');
  row.className = 'row';
  row.append(Object.assign(document.createElement('button'), { type: 'submit', textContent: 'Save' }),
    linkButton('Cancel', () => { rec.draft = null; renderMessage(rec); }, 'secondary'));
  form.append(area, row);
  return form;
}

// The edit names the version it was made from: if the message changes meanwhile, the server says version_conflict.
function startEdit(rec, text) {
  rec.draft = text;
  rec.draftVersion = rec.version ?? 1;
  rec.confirmDelete = false;
  renderMessage(rec);
  focusEditor(rec);
}

function focusEditor(rec) {
  const area = rec.el?.querySelector('textarea');
  if (area) { area.focus(); area.setSelectionRange(area.value.length, area.value.length); }
}


// ---------- editing and deleting ----------
// The SDK keeps each edit and delete until its ack and resends it after a reconnect; a refusal
// rejects its promise with the error frame.

function sendChange(rec, type, body) {
  const conv = state.open;
  if (!state.client) return;
  const op = { type, conversationId: conv.id, seq: rec.seq, expectedVersion: type === 'edit' ? rec.draftVersion ?? rec.version ?? 1 : rec.version ?? 1, body };
  rec.busy = true;
  rec.draft = null;
  renderMessage(rec);
  const done = type === 'edit'
    ? state.client.edit(op.conversationId, op.seq, op.expectedVersion, op.body)
    : state.client.delete(op.conversationId, op.seq);
  done.then(() => {                    // its entry follows as a `message`
    finishOp(op);
    if (state.opNotice) { state.opNotice = false; status(''); }  // the earlier refusal is resolved
  }, (err) => onOpFailed(op, err.frame || { code: err.code, message: err.message }).catch(fail));
}

function finishOp(op) {
  const rec = state.open?.id === op.conversationId ? state.open.bySeq.get(op.seq) : null;
  if (rec?.busy) { rec.busy = false; renderMessage(rec); }
  return rec;
}

async function onOpFailed(op, frame) {
  const rec = finishOp(op);
  const conv = state.open;
  if (frame.code === 'version_conflict') {
    status('This message was changed somewhere else (another tab or device) before your edit arrived. '
      + 'The latest version is shown now; your text is back in the box if you still want to save it.', 'error');
    state.opNotice = true;
    if (conv && conv.id === op.conversationId) {
      await reloadLatest(conv);
      const fresh = conv.bySeq.get(op.seq);
      if (fresh && !fresh.deleted && op.type === 'edit') startEdit(fresh, op.body);
    }
    return;
  }
  const text = {
    message_deleted: 'That message was already deleted.',
    not_author: 'You can only change your own messages.',
    message_not_found: 'That message no longer exists.',
  }[frame.code] || `Could not ${op.type} the message: ${frame.message || frame.code}`;
  status(text, 'error');
  if (rec && op.type === 'edit' && frame.code !== 'message_deleted' && !rec.deleted) startEdit(rec, op.body);
  if (conv && conv.id === op.conversationId && (frame.code === 'message_deleted' || frame.code === 'message_not_found')) await reloadLatest(conv);
}

// ---------- receipts ----------
// One tick: stored. Two: delivered to a device of the other member. Two, highlighted: read. (1:1 only.)
function renderTicks(li) {
  const ticks = li.querySelector('.ticks');
  if (!ticks || !state.open) return;
  const peer = state.open.kind === 'direct' ? state.peerPointer.get(state.open.id) : null;
  const seq = Number(li.dataset.seq);
  const read = peer && peer.readSeq >= seq;
  ticks.textContent = read || (peer && peer.deliveredSeq >= seq) ? '✓✓' : '✓';
  ticks.className = read ? 'ticks read' : 'ticks';
  ticks.title = read ? 'read' : (peer && peer.deliveredSeq >= seq ? 'delivered' : 'sent');
}

function onReceiptUpdated(frame) {
  const known = state.peerPointer.get(frame.conversationId) || { deliveredSeq: 0, readSeq: 0 };
  state.peerPointer.set(frame.conversationId, {
    deliveredSeq: Math.max(known.deliveredSeq, frame.deliveredSeq), readSeq: Math.max(known.readSeq, frame.readSeq) });
  if (state.open?.id === frame.conversationId) document.querySelectorAll('#messages li[data-seq]').forEach(renderTicks);
}

function onUnreadUpdated(frame) {
  if (frame.readSeq < (state.readSeq.get(frame.conversationId) || 0)) return;  // an older move that crossed a newer one
  state.readSeq.set(frame.conversationId, frame.readSeq);
  state.unread.set(frame.conversationId, frame.unread);
  renderConversations();
}


// The open conversation is read up to its newest entry (when the page is visible and connected;
// the client marks again when it is back).
function markRead() {
  const conv = state.open;
  const newest = conv && state.newest.get(conv.id);
  if (!newest || document.hidden || !state.client) return;
  if (newest <= (state.readSeq.get(conv.id) || 0)) return;
  if (!state.client.markRead(conv.id, newest)) return;
  state.readSeq.set(conv.id, newest);
  state.unread.set(conv.id, 0);
  renderConversations();
}

function scrollToBottom() {
  const scroller = $('scroller');
  scroller.scrollTop = scroller.scrollHeight;
}
const nearBottom = () => {
  const s = $('scroller');
  return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
};


// ---------- sending ----------

const newId = () => (globalThis.crypto?.randomUUID ? crypto.randomUUID()
  : `${Date.now().toString(16)}-${Math.random().toString(16).slice(2)}-${Math.random().toString(16).slice(2)}`);

function onCompose(event) {
  event.preventDefault();
  const form = $('composer');
  const body = form.body.value;
  if (!body.trim() || !state.open) return;
  const clientMessageId = newId();
  state.pending.set(clientMessageId, { conversationId: state.open.id, body, failed: null });
  form.reset();
  state.typer?.sent();
  renderPending();
  scrollToBottom();
  transmit(clientMessageId);
}

// The SDK sends now or once connected, and again after every reconnect with the same id until the ack.
function transmit(clientMessageId) {
  const p = state.pending.get(clientMessageId);
  if (!p || !state.client) return;
  state.client.send(p.conversationId, p.body, clientMessageId).then(onAck, (err) => {
    if (state.pending.get(clientMessageId) !== p) return;
    p.failed = err.message || err.code;
    renderPending();
    status(`Server refused the message: ${err.code}${err.message ? ` (${err.message})` : ''}`, 'error');
  });
}

function onAck(ack) {
  const p = state.pending.get(ack.clientMessageId);
  if (!p) return;
  state.pending.delete(ack.clientMessageId);
  // Show the message now (the ack has all but body and sender); its entry, when it comes, changes nothing.
  const stick = nearBottom();
  if (state.open?.id === ack.conversationId) upsertMessage(state.open, { ...ack, senderId: state.me.userId, body: p.body, version: 1 });
  renderPending();
  if (stick) scrollToBottom();
}

function renderPending() {
  const items = [...state.pending.entries()].filter(([, p]) => p.conversationId === state.open?.id);
  $('pending').replaceChildren(...items.map(([id, p]) => {
    const li = document.createElement('li');
    li.className = `message mine ${p.failed ? 'failed' : 'sending'}`;
    const meta = Object.assign(document.createElement('div'), { className: 'meta' });
    meta.append(Object.assign(document.createElement('strong'), { textContent: 'you' }));
    const body = Object.assign(document.createElement('div'), { className: 'body', textContent: p.body });
    const note = document.createElement('div');
    note.className = 'note';
    note.textContent = p.failed ? `Not sent: ${p.failed}` : online() ? 'Sending…' : 'Waiting for connection…';
    if (p.failed) {
      note.append(' ', linkButton('Retry', () => { p.failed = null; renderPending(); transmit(id); }),
        ' ', linkButton('Discard', () => { state.pending.delete(id); renderPending(); }));
    }
    li.append(meta, body, note);
    return li;
  }));
}

// ---------- the live connection (the SDK's ParleyClient) ----------

// ?blockWebSocket: a WebSocket that never connects, as behind a proxy that refuses the upgrade.
class BlockedWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    setTimeout(() => {
      this.readyState = 3;
      this.onerror?.(new Event('error'));
      this.onclose?.({ code: 1006, reason: 'WebSocket blocked (?blockWebSocket)', wasClean: false });
    }, 20);
  }
  send() { throw new DOMException('WebSocket is not open', 'InvalidStateError'); }
  close() { this.readyState = 3; }
}

// ?blockEventSource: an EventSource that never connects.
class BlockedEventSource {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    setTimeout(() => { this.readyState = 2; this.onerror?.(new Event('error')); }, 20);
  }
  addEventListener() {}
  close() { this.readyState = 2; }
}

function connect() {
  if (!state.token || state.client) return;
  const options = { token: currentToken };
  if (hooks.has('blockWebSocket')) options.WebSocketImpl = BlockedWebSocket;
  if (hooks.has('blockEventSource')) options.EventSourceImpl = BlockedEventSource;
  const cap = Number(hooks.get('reconnectCapMs'));
  if (cap > 0) options.backoff = { capMs: cap };
  const client = new ParleyClient(options);
  state.client = client;
  const on = (name, fn) => client.on(name, (value) => {
    if (state.client !== client) return;   // logged out meanwhile
    const result = fn(value);
    if (result?.catch) result.catch(fail);
  });
  on('state', onConnectionState);
  on('entry', onEntry);
  on('skipped', onSkipped);
  on('typing', onTyping);
  on('presence', onPresence);
  on('presence.state', onPresenceState);
  on('receipt.updated', onReceiptUpdated);
  on('unread.updated', onUnreadUpdated);
  on('conversation.added', () => refreshConversations());
  on('conversation.removed', onRemoved);
  on('error', onErrorFrame);
  subscribePresence();                     // the SDK sends it once connected, and after every reconnect
  if (away) client.setAway(true);
  if (state.open) state.typer = client.typing(state.open.id);
  client.connect();
}

function onConnectionState(s) {
  if (s.reason === 4002) return logout('You were signed out: log in again.');  // this login was ended
  setConn(s);
  renderPending();
  if (s.state === 'open') {
    const reconnect = state.everOpen;
    state.everOpen = true;
    banner(null);
    markRead();
    if (reconnect) {
      status('Reconnected.');
      return refreshConversations();       // unread counts and conversations that changed meanwhile
    }
  } else if (s.state === 'reconnecting') {
    const seconds = Math.max(1, Math.round((s.retryInMs || 0) / 1000));
    banner(state.everOpen ? `Connection lost. Reconnecting in ${seconds} s…` : `Cannot reach Parley. Trying again in ${seconds} s…`);
  } else if (s.state === 'connecting' && state.everOpen) {
    banner('Reconnecting…');
  }
  return undefined;
}

function banner(text) {
  const el = $('banner');
  el.hidden = !text;
  el.textContent = text || '';
}

const TRANSPORT_NAMES = { websocket: 'WebSocket', sse: 'server-sent events', longpoll: 'long polling' };

function setConn(s) {
  const el = $('conn');
  const kind = s.state === 'open' ? 'up' : s.state === 'connecting' ? 'connecting' : 'down';
  el.className = `conn conn-${kind}`;
  el.dataset.state = s.state;
  el.dataset.transport = s.state === 'open' ? s.transport : '';
  el.textContent = { up: s.transport && s.transport !== 'websocket' ? `online · ${TRANSPORT_NAMES[s.transport] || s.transport}` : 'online',
    connecting: 'connecting…', down: 'offline' }[kind];
  el.title = s.state === 'open' ? `connected over ${TRANSPORT_NAMES[s.transport] || s.transport}` : s.state;
}

// Error frames that settle a send, edit or delete reach their promise (and are marked `handled`).
function onErrorFrame(frame) {
  if (frame.handled) return;
  if (frame.code === 'not_a_member') return;  // a typing or resume frame for a conversation we just left
  status(`Server refused a frame: ${frame.code}${frame.message ? ` (${frame.message})` : ''}`, 'error');
}

// ---------- wiring ----------

function wire() {
  document.addEventListener('visibilitychange', markRead);
  $('auth-form').addEventListener('submit', onAuthSubmit);
  $('logout').addEventListener('click', () => logout('', { signOut: true }));
  $('group-form').addEventListener('submit', onCreateGroup);
  $('direct-form').addEventListener('submit', onOpenDirect);
  $('member-form').addEventListener('submit', onAddMember);
  $('composer').addEventListener('submit', onCompose);
  $('composer').body.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) onCompose(event);
  });
  $('load-older').addEventListener('click', () => loadOlder().catch(fail));
  $('back').addEventListener('click', closeConversation);
  $('composer').body.addEventListener('input', onComposerInput);
  $('composer').body.addEventListener('blur', () => state.typer?.blur());
  for (const type of ['keydown', 'pointerdown', 'pointermove', 'focus']) window.addEventListener(type, activity, { passive: true });
  activity();
}

wire();
if (state.token) {
  start().catch((err) => { if (state.token) { logout(); fail(err); } });
} else {
  showView('auth');
}
