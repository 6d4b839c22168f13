package store

import (
	"context"
	"database/sql"
)

// maxCachedStmts bounds the statement cache; statements past it are run unprepared.
const maxCachedStmts = 256

// prepared returns the cached prepared statement for query on the SQLite write handle,
// or nil. A statement not cached yet is noted and prepared by preparePending once the
// transaction is over: the one write connection is busy with it until then.
func (s *Store) prepared(query string) *sql.Stmt {
	if s.dialect != DialectSQLite {
		return nil
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	st, ok := s.stmts[query]
	if !ok && s.stmts != nil && len(s.stmts)+len(s.pending) < maxCachedStmts {
		s.pending[query] = true
	}
	return st
}

// preparePending prepares the statements noted by prepared. It must not hold stmtMu
// while it waits for the write connection: the transaction holding that connection may
// be looking up statements. Errors only mean the statement keeps running unprepared,
// where it reports them itself. This happens once per statement shape.
func (s *Store) preparePending(ctx context.Context) {
	s.stmtMu.Lock()
	var queries []string
	for query := range s.pending {
		queries = append(queries, query)
	}
	s.stmtMu.Unlock()
	for _, query := range queries {
		st, err := s.write.PrepareContext(ctx, query)
		s.stmtMu.Lock()
		delete(s.pending, query)
		if _, dup := s.stmts[query]; err == nil && !dup && s.stmts != nil {
			s.stmts[query] = st
			st = nil
		}
		s.stmtMu.Unlock()
		if st != nil {
			st.Close() // a racing Write prepared it first, or the store is closing
		}
	}
}
