// The collaborative editor page of `qldrops serve` (/e/<capability>).
//
// CodeMirror 6 (line numbers, highlighting, undo, search: codemirror's basicSetup) bound to a Yjs
// document per file by y-codemirror.next; the document syncs with the server over the y-sync
// websocket protocol (y-websocket), the server side being pycrdt. Remote cursors and names come
// from Yjs awareness. A second websocket (/e/<capability>/events) carries JSON: changes in the
// workflow (store.watch), presence (who looks at which file), the link's access level (a revoked
// link turns the page read-only at once) and save results.
//
// The Comments panel lists the open file's line comments in threads (pages of 100: a file with thousands
// of them stays responsive), adds comments on the selected lines, replies and resolves (comment and edit
// links); comments made elsewhere arrive with the change that announces them. A save that overlaps a
// change made meanwhile shows the conflict (the marked text) and writes nothing.
//
// Everything is built from the config the server writes into #qldrops-editor-config (a JSON
// script element: the page's CSP allows no inline script). Text from the server or other
// visitors is always set with textContent, never as HTML.
import { EditorView, basicSetup } from 'codemirror'
import { Compartment, EditorState } from '@codemirror/state'
import { python } from '@codemirror/lang-python'
import { javascript } from '@codemirror/lang-javascript'
import { markdown } from '@codemirror/lang-markdown'
import * as Y from 'yjs'
import { WebsocketProvider } from 'y-websocket'
import { yCollab } from 'y-codemirror.next'

const COLORS = ['#30bced', '#6eeb83', '#ffbc42', '#ee6352', '#9ac2c9', '#8acb88', '#1be7ff', '#a06cd5']

const config = JSON.parse(document.getElementById('qldrops-editor-config').textContent)
const $ = (id) => document.getElementById(id)
const wsBase = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + config.base

function languageFor (path) {
  const p = (path || '').toLowerCase()
  if (p.endsWith('.py')) return python()
  if (p.endsWith('.ts') || p.endsWith('.tsx')) return javascript({ typescript: true, jsx: p.endsWith('x') })
  if (/\.(m?js|jsx|cjs|json)$/.test(p)) return javascript({ jsx: p.endsWith('x') })
  if (p.endsWith('.md')) return markdown()
  return []
}

function say (text, kind) {
  const el = $('qldrops-status')
  el.textContent = text
  el.dataset.kind = kind || 'info'
}

const state = {
  name: null,
  access: config.access,
  drop: null,
  doc: null,
  provider: null,
  view: null,
  editable: new Compartment(),
  events: null,
  readOnlyReason: null,
  comments: new Map(), // id -> comment of the open file (the pages loaded so far)
  commentsMore: false,
  lines: [1, 1] // the selected lines, for a new comment
}

function canComment () {
  return (state.access === 'comment' || state.access === 'edit') && state.readOnlyReason === null
}

function canEdit () {
  return state.access === 'edit' && state.readOnlyReason === null
}

function applyAccess () {
  const edit = canEdit()
  document.body.dataset.access = edit ? 'edit' : 'read-only'
  $('qldrops-mode').textContent = edit ? 'editing' : (state.readOnlyReason || 'read-only (' + state.access + ' link)')
  $('qldrops-save').disabled = !edit || !state.drop
  $('qldrops-comment-form').hidden = !canComment() || !state.drop
  renderComments()
  if (state.view) {
    state.view.dispatch({
      effects: state.editable.reconfigure([EditorState.readOnly.of(!edit), EditorView.editable.of(edit)])
    })
  }
}

function closeFile () {
  if (state.provider) { state.provider.awareness.setLocalState(null); state.provider.destroy() }
  if (state.doc) state.doc.destroy()
  if (state.view) state.view.destroy()
  state.provider = state.doc = state.view = null
  state.comments = new Map()
  state.commentsMore = false
  $('qldrops-conflict').hidden = true
}

function openFile (drop) {
  closeFile()
  state.drop = drop
  for (const li of document.querySelectorAll('#qldrops-files li')) {
    li.classList.toggle('current', li.dataset.drop === String(drop.id))
  }
  $('qldrops-file').textContent = drop.path
  const doc = new Y.Doc()
  const ytext = doc.getText('source')
  const provider = new WebsocketProvider(wsBase + '/ws', String(drop.id), doc, {
    params: { visit: config.visit },
    disableBc: true, // every edit goes through the server (the benchmark measures that path)
    maxBackoffTime: 1000
  })
  const color = COLORS[Math.abs(hash(state.name || config.visit)) % COLORS.length]
  provider.awareness.setLocalStateField('user', { name: state.name || 'visitor', color, colorLight: color + '33' })
  provider.awareness.setLocalStateField('file', drop.path)
  provider.on('status', ({ status }) => {
    $('qldrops-connection').textContent = status
    document.body.dataset.connection = status
  })
  provider.on('sync', (synced) => { document.body.dataset.synced = synced ? 'yes' : 'no' })
  provider.on('connection-close', (event) => {
    if (event && event.code === 4403) { // the link was revoked or expired: stop, keep the text read-only
      provider.disconnect()
      state.readOnlyReason = state.readOnlyReason || 'read-only: this link no longer allows editing'
      applyAccess()
    }
  })
  const undoManager = new Y.UndoManager(ytext)
  const view = new EditorView({
    parent: $('qldrops-editor'),
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        basicSetup,
        languageFor(drop.path),
        yCollab(ytext, provider.awareness, { undoManager }),
        state.editable.of([]),
        EditorView.updateListener.of((u) => { if (u.selectionSet || u.docChanged) selectedLines(u.state) })
      ]
    })
  })
  Object.assign(state, { doc, provider, view })
  window.qldropsEditor = { view, ytext, doc, provider, drop }
  applyAccess()
  send({ type: 'open', drop: drop.id })
  send({ type: 'comments', drop: drop.id })
  renderComments()
}

function selectedLines (st) {
  const sel = st.selection.main
  const a = st.doc.lineAt(sel.from).number
  const b = st.doc.lineAt(sel.to).number
  state.lines = [a, b]
  $('qldrops-comment-send').textContent = a === b ? 'Comment on line ' + a : 'Comment on lines ' + a + '–' + b
}

// -- comments -------------------------------------------------------------------------------------
function el (tag, cls, text) {
  const e = document.createElement(tag)
  if (cls) e.className = cls
  if (text !== undefined) e.textContent = text // comment text is plain text, never markup
  return e
}

function lastCommentId () {
  let last = 0
  for (const id of state.comments.keys()) last = Math.max(last, id)
  return last
}

function upsertComment (c) {
  if (!state.drop || c.drop !== state.drop.id) return
  // a comment past the pages loaded so far arrives with the next page ("Show more")
  if (state.commentsMore && !state.comments.has(c.id) && c.id > lastCommentId()) return
  state.comments.set(c.id, c)
  renderComments()
}

function commentItem (c) {
  const li = el('li', c.resolved ? 'resolved' : '')
  li.dataset.comment = String(c.id)
  const lines = c.line_start === c.line_end ? 'line ' + c.line_start : 'lines ' + c.line_start + '–' + c.line_end
  const meta = el('div', 'meta', (c.reply_to ? '' : lines + ' · v' + c.version + ' · ') + c.author)
  if (c.outdated) meta.append(el('span', 'badge outdated', 'outdated'))
  if (c.resolved) meta.append(el('span', 'badge resolved', 'resolved'))
  li.append(meta, el('p', 'body', c.body))
  return li
}

function renderComments () {
  const list = $('qldrops-comments')
  if (!list) return
  const all = [...state.comments.values()].sort((x, y) => x.id - y.id)
  const replies = new Map()
  const roots = []
  for (const c of all) {
    if (c.reply_to && state.comments.has(c.reply_to)) {
      if (!replies.has(c.reply_to)) replies.set(c.reply_to, [])
      replies.get(c.reply_to).push(c)
    } else roots.push(c)
  }
  const frag = document.createDocumentFragment()
  for (const c of roots) {
    const li = commentItem(c)
    li.classList.add('thread')
    const sub = el('ul')
    for (const r of replies.get(c.id) || []) sub.append(commentItem(r))
    li.append(sub)
    if (canComment()) {
      const reply = el('button', 'reply', 'Reply')
      reply.type = 'button'
      reply.addEventListener('click', () => replyForm(li, c))
      const resolve = el('button', 'resolve', c.resolved ? 'Reopen' : 'Resolve')
      resolve.type = 'button'
      resolve.addEventListener('click', () => send({ type: 'resolve', comment: c.id, resolved: !c.resolved }))
      li.append(reply, resolve)
    }
    frag.append(li)
  }
  list.replaceChildren(frag)
  $('qldrops-comment-count').textContent = all.length ? '(' + all.length + (state.commentsMore ? '+' : '') + ')' : ''
  $('qldrops-comments-more').hidden = !state.commentsMore
}

function replyForm (li, c) {
  if (li.querySelector('form')) return
  const form = el('form', 'reply-form')
  const text = el('textarea')
  text.maxLength = 10000
  text.rows = 2
  text.required = true
  const go = el('button', '', 'Send reply')
  go.type = 'submit'
  form.append(text, go)
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    if (text.value.trim()) send({ type: 'comment', drop: c.drop, body: text.value, reply_to: c.id })
    form.remove()
  })
  li.append(form)
  text.focus()
}

function showConflict (text) {
  $('qldrops-conflict-text').textContent = text
  $('qldrops-conflict').hidden = false
}

function hash (s) {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0
  return h
}

function renderFiles (files) {
  const list = $('qldrops-files')
  list.replaceChildren()
  for (const f of files) {
    const li = document.createElement('li')
    li.dataset.drop = String(f.id)
    const a = document.createElement('button')
    a.type = 'button'
    a.textContent = f.path + ' (v' + f.version + ')'
    a.addEventListener('click', () => openFile(f))
    const who = document.createElement('span')
    who.className = 'who'
    li.append(a, who)
    if (state.drop && state.drop.id === f.id) li.classList.add('current')
    list.append(li)
  }
  config.files = files
}

function renderPresence (people) {
  // people: [{name, file}] for the whole workflow
  const byFile = {}
  for (const p of people) (byFile[p.file] = byFile[p.file] || []).push(p.name)
  for (const li of document.querySelectorAll('#qldrops-files li')) {
    const f = config.files.find((x) => String(x.id) === li.dataset.drop)
    li.querySelector('.who').textContent = f && byFile[f.path] ? ' · ' + byFile[f.path].join(', ') : ''
  }
  $('qldrops-presence').textContent = people.map((p) => p.name + ' (' + p.file + ')').join(', ') || 'nobody else'
}

function logChange (text) {
  const li = document.createElement('li')
  li.textContent = new Date().toLocaleTimeString() + ' ' + text
  const list = $('qldrops-changes')
  list.prepend(li)
  while (list.children.length > 50) list.lastChild.remove()
}

function send (msg) {
  if (state.events && state.events.readyState === WebSocket.OPEN) state.events.send(JSON.stringify(msg))
}

function connectEvents () {
  const ws = new WebSocket(wsBase + '/events?visit=' + encodeURIComponent(config.visit))
  state.events = ws
  ws.addEventListener('open', () => {
    send({ type: 'hello', name: state.name })
    if (state.drop) {
      send({ type: 'open', drop: state.drop.id })
      // (re)load the open file's comments: the first page, or what a reconnect may have missed
      state.comments = new Map()
      state.commentsMore = false
      send({ type: 'comments', drop: state.drop.id })
    }
  })
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(e.data)
    if (msg.type === 'access') {
      state.access = msg.access
      state.readOnlyReason = msg.reason || null
      applyAccess()
      if (msg.reason) say(msg.reason, 'warning')
    } else if (msg.type === 'files') {
      renderFiles(msg.files)
    } else if (msg.type === 'presence') {
      renderPresence(msg.people)
    } else if (msg.type === 'change') {
      logChange(msg.text)
      if (msg.comment) upsertComment(msg.comment)
      document.body.dataset.lastChange = String(msg.seq)
    } else if (msg.type === 'saved') {
      say('saved as version ' + msg.version + (msg.merged ? ' (merged with changes made meanwhile)' : ''), 'ok')
      if (state.drop && msg.drop === state.drop.id) $('qldrops-conflict').hidden = true
    } else if (msg.type === 'comments') {
      if (state.drop && msg.drop === state.drop.id) {
        for (const c of msg.comments) state.comments.set(c.id, c)
        state.commentsMore = msg.more
        renderComments()
      }
    } else if (msg.type === 'commented') {
      upsertComment(msg.comment)
    } else if (msg.type === 'error') {
      say(msg.message + (msg.hint ? ' ' + msg.hint : ''), 'error')
      if (msg.conflict && msg.conflict_text && state.drop && msg.drop === state.drop.id) showConflict(msg.conflict_text)
    }
  })
  ws.addEventListener('close', () => { setTimeout(connectEvents, 1000) })
}

function start (name) {
  state.name = name
  try { localStorage.setItem('qldrops-name', name) } catch (e) {}
  $('qldrops-name-form').hidden = true
  $('qldrops-app').hidden = false
  $('qldrops-me').textContent = name
  renderFiles(config.files)
  connectEvents()
  applyAccess()
  const wanted = config.files.find((f) => String(f.id) === String(config.drop)) || config.files[0]
  if (wanted) openFile(wanted)
}

$('qldrops-comment-form').addEventListener('submit', (e) => {
  e.preventDefault()
  const body = $('qldrops-comment-body')
  if (!state.drop || !body.value.trim()) return
  send({ type: 'comment', drop: state.drop.id, body: body.value, line_start: state.lines[0], line_end: state.lines[1] })
  body.value = ''
})
$('qldrops-comments-more').addEventListener('click', () => {
  if (state.drop) send({ type: 'comments', drop: state.drop.id, after: lastCommentId() })
})
$('qldrops-save').addEventListener('click', () => {
  if (state.drop) send({ type: 'save', drop: state.drop.id })
})
$('qldrops-name-form').addEventListener('submit', (e) => {
  e.preventDefault()
  const name = $('qldrops-name').value.trim()
  if (name) start(name)
})
let remembered = null
try { remembered = localStorage.getItem('qldrops-name') } catch (e) {}
if (remembered) start(remembered) // typed once per browser
