package conversation

import (
	"context"
	"database/sql/driver"
	"errors"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"kefu/internal/store"
)

// Listen relays other instances' events (PostgreSQL LISTEN/NOTIFY) into this process's broker
// until ctx ends. On SQLite there is only one instance and it returns at once. ready, if not
// nil, is called each time the listener is (re)subscribed. After any reconnect every local
// subscriber is told to resync from the database, so a dropped link loses nothing.
func (s *Service) Listen(ctx context.Context, ready func()) error {
	if s.DB.Dialect() != store.Postgres {
		if ready != nil {
			ready()
		}
		return nil
	}
	backoff := 100 * time.Millisecond
	for {
		err := s.listenOnce(ctx, ready)
		if ctx.Err() != nil {
			return nil
		}
		s.Log.Warn("realtime listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func (s *Service) listenOnce(ctx context.Context, ready func()) error {
	conn, err := s.DB.SQL.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var listenErr error
	conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			listenErr = errors.New("conversation: the PostgreSQL driver is not pgx")
			return nil
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
			listenErr = err
			return driver.ErrBadConn
		}
		s.presence.listeningSince.Store(time.Now().UnixNano())
		defer s.presence.listeningSince.Store(0)
		// Join: the others answer, so within milliseconds both sides know to notify.
		s.sayHello(ctx, true)
		beat, stopBeat := context.WithCancel(ctx)
		defer stopBeat()
		go func() {
			t := time.NewTicker(s.presence.every)
			defer t.Stop()
			for {
				select {
				case <-beat.Done():
					return
				case <-t.C:
					s.sayHello(beat, false)
				}
			}
		}()
		s.Broker.Resync()
		if ready != nil {
			ready()
		}
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				listenErr = err
				// Never hand a LISTENing connection back to the pool.
				return driver.ErrBadConn
			}
			if instance, join, ok := parseHello(n.Payload); ok {
				if instance != s.Instance {
					s.presence.peerSeen.Store(time.Now().UnixNano())
					if join {
						s.sayHello(ctx, false)
					}
				}
				continue
			}
			ev, instance, ok := decodeNotice(n.Payload)
			if !ok || instance == s.Instance {
				continue // ours were delivered in-process already
			}
			s.Broker.Publish(ev)
		}
	})
	return listenErr
}

// sayHello tells the other instances this one listens (see presence). It goes through the
// pool, never the listening connection, which is busy waiting for notices.
func (s *Service) sayHello(ctx context.Context, join bool) {
	if _, err := s.DB.Exec(ctx, `SELECT pg_notify(?, ?)`, notifyChannel, hello(s.Instance, join)); err != nil && ctx.Err() == nil {
		s.Log.Warn("realtime hello failed", "err", err)
	}
}
