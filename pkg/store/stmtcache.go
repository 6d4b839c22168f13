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
	if !ok && len(s.stmts)+len(s.pending) < maxCachedStmts {
		if s.pending == nil {
			s.pending = map[string]bool{}
		}
		s.pending[query] = true
	}
	return st
}

// preparePending prepares the statements noted by prepared. Errors only mean the
// statement keeps running unprepared, where it reports them itself.
func (s *Store) preparePending(ctx context.Context) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	for query := range s.pending {
		delete(s.pending, query)
		if st, err := s.write.PrepareContext(ctx, query); err == nil {
			if s.stmts == nil {
				s.stmts = map[string]*sql.Stmt{}
			}
			s.stmts[query] = st
		}
	}
}
