// The workspace's live inbox: one agent socket subscribed to the inbox feed (live.ts
// followInbox), its frames gathered into batches so a burst of changes costs one re-read, and
// handed to every part of the inbox that listens (the queue, desktop notifications).
import { useEffect, useRef, useState } from 'preact/hooks'
import { followInbox, type InboxFrame } from '../live'

/** A batch of inbox changes: which conversations changed, and whether to re-read everything. */
export interface Batch {
  resync: boolean
  ids: Set<number> // conversations that changed (any reason)
  customer: Set<number> // conversations with a new customer message
  updated: Set<number> // conversations whose status, owner, team or assignee changed
}

export function emptyBatch(): Batch {
  return { resync: false, ids: new Set(), customer: new Set(), updated: new Set() }
}

/** MAX_IDS bounds a batch: past it, re-reading the list is cheaper than one read per row. */
export const MAX_IDS = 50

/** addFrame folds one frame into a batch (in place) and returns it. */
export function addFrame(b: Batch, f: InboxFrame): Batch {
  if (f.reason === 'resync' || !f.conversation_id) {
    b.resync = true
    return b
  }
  const id = f.conversation_id
  b.ids.add(id)
  if (f.reason === 'message' && f.sender_kind === 'customer') b.customer.add(id)
  if (f.reason === 'updated') b.updated.add(id)
  if (b.ids.size > MAX_IDS) b.resync = true
  return b
}

/**
 * batcher gathers frames and flushes them `quiet` ms after the last one, or `maxWait` ms after
 * the first of a steady stream, so the inbox stays within a second of the truth without a
 * request per frame.
 */
export function batcher(flush: (b: Batch) => void, quiet = 250, maxWait = 1000) {
  let b: Batch | null = null
  let first = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const fire = () => {
    timer = undefined
    const out = b
    b = null
    if (out) flush(out)
  }
  return {
    add(f: InboxFrame) {
      const now = Date.now()
      if (!b) {
        b = emptyBatch()
        first = now
      }
      addFrame(b, f)
      clearTimeout(timer)
      timer = setTimeout(fire, Math.max(0, Math.min(quiet, first + maxWait - now)))
    },
    stop() {
      clearTimeout(timer)
      b = null
    },
  }
}

export type Listener = (b: Batch) => void

/** Feed is what the inbox's parts share: whether the socket is up, and its batches. */
export interface Feed {
  online: boolean
  listen(l: Listener): () => void
}

/** useInboxFeed opens the inbox socket for as long as the inbox is on screen. */
export function useInboxFeed(): Feed {
  const [online, setOnline] = useState(false)
  const listeners = useRef(new Set<Listener>())
  useEffect(() => {
    const b = batcher((batch) => listeners.current.forEach((l) => l(batch)))
    const feed = followInbox({ frame: b.add, status: setOnline })
    return () => {
      b.stop()
      feed.stop()
    }
  }, [])
  const listen = useRef((l: Listener) => {
    listeners.current.add(l)
    return () => {
      listeners.current.delete(l)
    }
  }).current
  return { online, listen }
}
