// Parley web client: REST for accounts, conversations and history; a WebSocket for live messages.
// Plain ES module, no dependencies. Protocol: docs/protocol.md.

const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'parley.token';
const PAGE_SIZE = 50;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,                 // {userId, username}
  conversations: [],        // summaries, newest first
  unread: new Map(),        // conversation id -> unread count (GET /api/me/unread, then live frames)
  readSeq: new Map(),       // conversation id -> our highest read seq heard (pointers only move forward)
  peerPointer: new Map(),   // direct conversation id -> the other member's {deliveredSeq, readSeq}: our ticks
  open: null,               // the open conversation (with members), see openConversation
  pending: new Map(),       // clientMessageId -> {conversationId, body, el, failed}
  ws: null,
  wsReady: false,
  connectedOnce: false,
  backoffMs: 1000,
  reconnectTimer: null,
  presence: new Map(),      // userId -> {status, lastSeen}, for the users we watch
  directPeer: new Map(),    // direct conversation id -> the other member's userId
  typing: new Map(),        // conversationId -> Map(userId -> timer that hides the indicator)
};

// Typing and idleness timings; the server's are in docs/protocol.md.
const TYPING_RENEW_MS = 3000;       // the server drops renewals closer than this anyway
const TYPING_IDLE_STOP_MS = 5000;   // no input for this long: say we stopped
const TYPING_HIDE_MS = 8000;        // no renew or stop heard for this long: hide (a lost hint)
const AWAY_AFTER_MS = 5 * 60 * 1000;

// ---------- status line ----------

let statusTimer = null;
function status(text, kind = 'info') {
  const el = $('status');
  el.textContent = text || '';
  el.className = `status ${text ? kind : ''}`;
  clearTimeout(statusTimer);
  if (text && kind === 'info') statusTimer = setTimeout(() => status(''), 5000);  // errors stay until replaced
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

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const err = new ApiError(res, data);
    if (res.status === 401 && state.token && !path.startsWith('/api/auth/')) logout('Your session has expired: log in again.');
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
  try {
    if (action === 'register') await api('POST', '/api/auth/register', creds);
    const login = await api('POST', '/api/auth/login', creds);
    state.token = login.accessToken;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    form.reset();
    await start();
  } catch (err) { fail(err); }
}

function logout(message = '') {
  state.token = null;
  state.me = null;
  state.open = null;
  state.pending.clear();
  sessionStorage.removeItem(TOKEN_KEY);
  closeSocket();
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

// Watch the people we can see on screen: the other member of each 1:1 and the open conversation's members.
function subscribePresence() {
  if (!state.wsReady) return;
  const ids = new Set(state.directPeer.values());
  for (const m of state.open?.members || []) ids.add(m.userId);
  ids.delete(state.me?.userId);
  state.ws.send(JSON.stringify({ type: 'presence.subscribe', userIds: [...ids].slice(0, 100) }));
}

function onPresence(p) {
  state.presence.set(p.userId, { status: p.status, lastSeen: p.lastSeen });
  document.querySelectorAll(`.dot[data-user="${p.userId}"]`).forEach((dot) => dot.replaceWith(presenceDot(p.userId)));
}

function onPresenceState(frame) {
  frame.users.forEach(onPresence);
}

// Away after a while without input; back on the next input.
let idleTimer = null;
let away = false;
function activity() {
  clearTimeout(idleTimer);
  if (away && state.wsReady) state.ws.send(JSON.stringify({ type: 'presence.set', status: 'online' }));
  away = false;
  idleTimer = setTimeout(() => {
    away = true;
    if (state.wsReady) state.ws.send(JSON.stringify({ type: 'presence.set', status: 'away' }));
  }, AWAY_AFTER_MS);
}

// ---------- typing ----------

const myTyping = { conversationId: null, lastSentAt: 0, idleTimer: null };

function sendTyping(action, conversationId) {
  if (state.wsReady) state.ws.send(JSON.stringify({ type: `typing.${action}`, conversationId }));
}

function onComposerInput() {
  const conv = state.open;
  if (!conv) return;
  const empty = !$('composer').body.value.trim();
  clearTimeout(myTyping.idleTimer);
  if (empty) return stopTyping();
  const now = Date.now();
  if (myTyping.conversationId !== conv.id) {
    stopTyping();
    myTyping.conversationId = conv.id;
    myTyping.lastSentAt = now;
    sendTyping('start', conv.id);
  } else if (now - myTyping.lastSentAt >= TYPING_RENEW_MS) {
    myTyping.lastSentAt = now;
    sendTyping('renew', conv.id);
  }
  myTyping.idleTimer = setTimeout(stopTyping, TYPING_IDLE_STOP_MS);
}

// sent: a message went out, and the server ends typing by itself.
function stopTyping(sent = false) {
  clearTimeout(myTyping.idleTimer);
  if (myTyping.conversationId && !sent) sendTyping('stop', myTyping.conversationId);
  myTyping.conversationId = null;
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
    const peer = state.directPeer.get(c.id);
    if (peer) button.append(presenceDot(peer));
    button.append(conversationTitle(c));
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

async function openConversation(id) {
  stopTyping();
  const conv = await api('GET', `/api/conversations/${id}`);
  state.open = { ...conv, messages: [], ids: new Set(), nextBefore: null, hasMore: false };
  if (conv.kind === 'direct') {
    const receipts = await api('GET', `/api/conversations/${id}/receipts`);
    const peer = receipts.pointers.find((p) => p.userId !== state.me?.userId);
    if (peer) state.peerPointer.set(id, peer);
  }
  $('messages').replaceChildren();
  $('empty-hint').hidden = true;
  $('conv-pane').hidden = false;
  applyConversation(conv);
  renderPending();
  await loadLatest();
  scrollToBottom();
  markRead();
  $('composer').body.focus();
}

function applyConversation(conv) {
  Object.assign(state.open, { name: conv.name, kind: conv.kind, members: conv.members || [] });
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

async function fetchPage(before) {
  const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (before != null) query.set('before', String(before));
  return api('GET', `/api/conversations/${state.open.id}/messages?${query}`);
}

// Latest page: on open, and again after a reconnect (live frames may have been missed meanwhile).
async function loadLatest() {
  const conv = state.open;
  const page = await fetchPage(null);
  if (state.open !== conv) return;
  const newest = conv.messages.at(-1);
  const oldestInPage = page.messages.at(-1);  // pages are newest first
  // A gap between what we show and the new page: start over from the latest page.
  if (newest && oldestInPage && oldestInPage.seq > newest.seq + 1) {
    conv.messages = [];
    conv.ids.clear();
    $('messages').replaceChildren();
  }
  if (!conv.messages.length) {
    conv.nextBefore = page.nextBefore;
    conv.hasMore = page.hasMore;
  }
  page.messages.forEach(insertMessage);
  $('load-older').hidden = !conv.hasMore;
}

async function loadOlder() {
  const conv = state.open;
  if (!conv?.hasMore) return;
  const scroller = $('scroller');
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  const page = await fetchPage(conv.nextBefore);
  if (state.open !== conv) return;
  conv.nextBefore = page.nextBefore;
  conv.hasMore = page.hasMore;
  page.messages.forEach(insertMessage);
  $('load-older').hidden = !conv.hasMore;
  scroller.scrollTop = scroller.scrollHeight - fromBottom;  // keep the view where it was
}

// Keeps state.open.messages sorted by seq and free of duplicates (by messageId); mirrors it in the DOM.
function insertMessage(m) {
  const conv = state.open;
  if (!conv || m.conversationId !== conv.id || conv.ids.has(m.messageId)) return false;
  conv.ids.add(m.messageId);
  let i = conv.messages.length;
  while (i > 0 && conv.messages[i - 1].seq > m.seq) i--;
  conv.messages.splice(i, 0, m);
  const list = $('messages');
  list.insertBefore(messageElement(m), list.children[i] || null);
  return true;
}

function messageElement(m, extraClass = '') {
  const mine = !m.senderId || m.senderId === state.me?.userId;  // pending messages have no sender yet
  const li = document.createElement('li');
  li.className = ['message', mine ? 'mine' : '', extraClass].filter(Boolean).join(' ');
  const meta = document.createElement('div');
  meta.className = 'meta';
  const who = document.createElement('strong');
  who.textContent = m.senderId ? senderName(m.senderId) : 'you';
  const when = document.createElement('span');
  when.textContent = m.sentAt ? new Date(m.sentAt).toLocaleTimeString() : '';
  if (m.seq) when.title = `#${m.seq} · ${m.sentAt}`;
  meta.append(who, ' ', when);
  if (mine && m.seq && m.kind !== 'edit' && m.kind !== 'delete') {
    li.dataset.seq = String(m.seq);
    meta.append(' ', Object.assign(document.createElement('span'), { className: 'ticks' }));
  }
  const body = document.createElement('div');
  body.className = 'body';
  body.textContent = m.body;
  li.append(meta, body);
  renderTicks(li);
  return li;
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

// The open conversation is read up to its newest entry (when the page is visible).
function markRead() {
  const conv = state.open;
  const newest = conv?.messages.at(-1);
  if (!newest || document.hidden || !state.wsReady) return;
  if (newest.seq <= (state.readSeq.get(conv.id) || 0)) return;
  state.readSeq.set(conv.id, newest.seq);
  state.unread.set(conv.id, 0);
  state.ws.send(JSON.stringify({ type: 'receipt.read', conversationId: conv.id, seq: newest.seq }));
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

function onCompose(event) {
  event.preventDefault();
  const form = $('composer');
  const body = form.body.value;
  if (!body.trim() || !state.open) return;
  const clientMessageId = crypto.randomUUID();
  state.pending.set(clientMessageId, { conversationId: state.open.id, body, failed: null });
  form.reset();
  stopTyping(true);
  renderPending();
  scrollToBottom();
  transmit(clientMessageId);
}

function transmit(clientMessageId) {
  const p = state.pending.get(clientMessageId);
  if (!p || !state.wsReady) return;  // sent (again) once the socket is back
  state.ws.send(JSON.stringify({ type: 'send', conversationId: p.conversationId, clientMessageId, body: p.body }));
}

function renderPending() {
  const items = [...state.pending.entries()].filter(([, p]) => p.conversationId === state.open?.id);
  $('pending').replaceChildren(...items.map(([id, p]) => {
    const li = messageElement({ body: p.body }, p.failed ? 'failed' : 'sending');
    const note = document.createElement('div');
    note.className = 'note';
    note.textContent = p.failed ? `Not sent: ${p.failed}` : state.wsReady ? 'Sending…' : 'Waiting for connection…';
    if (p.failed) {
      const retry = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: 'Retry' });
      retry.addEventListener('click', () => { p.failed = null; renderPending(); transmit(id); });
      const discard = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: 'Discard' });
      discard.addEventListener('click', () => { state.pending.delete(id); renderPending(); });
      note.append(' ', retry, ' ', discard);
    }
    li.append(note);
    return li;
  }));
}

// ---------- WebSocket ----------

function connect() {
  if (!state.token) return;
  clearTimeout(state.reconnectTimer);
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}/ws?access_token=${encodeURIComponent(state.token)}`);
  state.ws = ws;
  setConn('connecting');
  ws.onmessage = (event) => {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    handleFrame(frame).catch(fail);
  };
  ws.onclose = (event) => {
    if (state.ws !== ws) return;  // replaced or logged out
    state.ws = null;
    state.wsReady = false;
    setConn('down');
    renderPending();
    const delay = state.backoffMs;
    state.backoffMs = Math.min(state.backoffMs * 2, 30000);
    status(`Connection closed (${event.code}). Reconnecting in ${Math.round(delay / 1000)} s…`, 'error');
    state.reconnectTimer = setTimeout(connect, delay);
  };
}

function closeSocket() {
  clearTimeout(state.reconnectTimer);
  const ws = state.ws;
  state.ws = null;
  state.wsReady = false;
  setConn('down');
  ws?.close(1000);
}

function setConn(kind) {
  const el = $('conn');
  el.className = `conn conn-${kind}`;
  el.textContent = { up: 'online', connecting: 'connecting…', down: 'offline' }[kind];
}

async function handleFrame(frame) {
  switch (frame.type) {
    case 'welcome': return onWelcome(frame);
    case 'ack': return onAck(frame);
    case 'message': return onMessage(frame);
    case 'error': return onErrorFrame(frame);
    case 'conversation.added': return refreshConversations();
    case 'conversation.removed': return onRemoved(frame);
    case 'presence.state': return onPresenceState(frame);
    case 'presence': return onPresence(frame);
    case 'typing': return onTyping(frame);
    case 'receipt.updated': return onReceiptUpdated(frame);
    case 'unread.updated': return onUnreadUpdated(frame);
    default: return undefined;  // pong and anything newer
  }
}

async function onWelcome() {
  const reconnect = state.connectedOnce;
  state.connectedOnce = true;
  state.wsReady = true;
  state.backoffMs = 1000;
  setConn('up');
  if (reconnect) {
    status('Reconnected.');
    await refreshConversations();
    if (state.open) await loadLatest();
  }
  for (const id of state.pending.keys()) if (!state.pending.get(id).failed) transmit(id);
  renderPending();
  myTyping.conversationId = null;  // a new connection types nothing yet
  if (away) state.ws.send(JSON.stringify({ type: 'presence.set', status: 'away' }));
  subscribePresence();
}

function onAck(ack) {
  const p = state.pending.get(ack.clientMessageId);
  if (!p) return;
  state.pending.delete(ack.clientMessageId);
  // The ack has everything but the body and sender: show the message now; its `message` frame is then a duplicate.
  const stick = nearBottom();
  insertMessage({ ...ack, senderId: state.me.userId, body: p.body });
  renderPending();
  if (stick) scrollToBottom();
}

async function onMessage(m) {
  if (!state.conversations.some((c) => c.id === m.conversationId)) await refreshConversations();
  if (state.open?.id === m.conversationId) {
    const open = state.open;
    if (!open.members.some((member) => member.userId === m.senderId)) {
      const conv = await api('GET', `/api/conversations/${open.id}`);  // a member we have not seen yet
      if (state.open === open) applyConversation(conv);
    }
    const stick = nearBottom();
    if (insertMessage(m) && stick) scrollToBottom();
    markRead();
  } else {
    if (m.senderId !== state.me?.userId && m.kind === 'message') {
      state.unread.set(m.conversationId, (state.unread.get(m.conversationId) || 0) + 1);
      renderConversations();
    }
    state.ws.send(JSON.stringify({ type: 'receipt.delivered', conversationId: m.conversationId, seq: m.seq }));
  }
}

async function onRemoved(frame) {
  if (state.open && state.open.id === frame.conversationId) {
    state.open = null;
    $('conv-pane').hidden = true;
    $('empty-hint').hidden = false;
    status('You are no longer a member of that conversation', 'error');
  }
  await refreshConversations();
}

function onErrorFrame(frame) {
  const p = frame.ref && state.pending.get(frame.ref);
  if (p) {
    p.failed = frame.message || frame.code;
    renderPending();
  }
  status(`Server refused a frame: ${frame.code}${frame.message ? ` (${frame.message})` : ''}`, 'error');
}

// ---------- wiring ----------

function wire() {
  document.addEventListener('visibilitychange', markRead);
  $('auth-form').addEventListener('submit', onAuthSubmit);
  $('logout').addEventListener('click', () => logout());
  $('group-form').addEventListener('submit', onCreateGroup);
  $('direct-form').addEventListener('submit', onOpenDirect);
  $('member-form').addEventListener('submit', onAddMember);
  $('composer').addEventListener('submit', onCompose);
  $('composer').body.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) onCompose(event);
  });
  $('load-older').addEventListener('click', () => loadOlder().catch(fail));
  $('composer').body.addEventListener('input', onComposerInput);
  for (const type of ['keydown', 'pointerdown', 'pointermove', 'focus']) window.addEventListener(type, activity, { passive: true });
  activity();
}

wire();
if (state.token) {
  start().catch((err) => { if (state.token) { logout(); fail(err); } });
} else {
  showView('auth');
}
