package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"reportline"
)

// The operator page's accounts and sessions (migration 0031): above
// tenants, like the tenants table, so they live on the DB and not on a
// tenant handle. An operator session is looked up in operator_sessions
// alone: a tenant's session hash is never found there, nor an operator's
// in sessions.

// CreateOperator records an operator with an already hashed password, and
// the creation in the operator log (tenant 0: no tenant). An address that
// another operator has is a Conflict.
func (db *DB) CreateOperator(ctx context.Context, actor, email, passwordHash string) (reportline.Operator, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return reportline.Operator{}, reportline.Errorf(reportline.Invalid, "an operator needs an email address")
	}
	op := reportline.Operator{Email: email}
	err := db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		op.CreatedAt = tx.now().UTC()
		if err := tx.queryRow(ctx, `INSERT INTO operators (email, password_hash, created_at) VALUES ($1, $2, $3) RETURNING id`,
			email, passwordHash, micros(op.CreatedAt)).Scan(&op.ID); err != nil {
			if err = translate(err); reportline.IsCode(err, reportline.Conflict) {
				return reportline.Errorf(reportline.Conflict, "an operator with address %s already exists", email)
			}
			return err
		}
		return tx.operatorLog(ctx, actor, "operator.create", "email="+email)
	})
	if err != nil {
		return reportline.Operator{}, fmt.Errorf("create operator %s: %w", email, err)
	}
	return op, nil
}

// SetOperatorPassword replaces an operator's password hash and ends their
// sessions. NotFound when no operator has the address.
func (db *DB) SetOperatorPassword(ctx context.Context, actor, email, passwordHash string) (reportline.Operator, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var op reportline.Operator
	err := db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		var err error
		if op, _, err = operatorByEmail(ctx, tx, email); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE operators SET password_hash = $1 WHERE id = $2`, passwordHash, op.ID); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `DELETE FROM operator_sessions WHERE operator_id = $1`, op.ID); err != nil {
			return err
		}
		return tx.operatorLog(ctx, actor, "operator.password", "email="+email)
	})
	if err != nil {
		return op, fmt.Errorf("set operator password %s: %w", email, err)
	}
	return op, nil
}

// OperatorByEmail returns an operator and their password hash; NotFound
// when no operator has the address.
func (db *DB) OperatorByEmail(ctx context.Context, email string) (reportline.Operator, string, error) {
	var op reportline.Operator
	var hash string
	err := db.run(ctx, 0, db.read, &sql.TxOptions{ReadOnly: db.engine == Postgres}, func(tx *Tx) error {
		var err error
		op, hash, err = operatorByEmail(ctx, tx, strings.ToLower(strings.TrimSpace(email)))
		return err
	})
	return op, hash, err
}

func operatorByEmail(ctx context.Context, tx *Tx, email string) (reportline.Operator, string, error) {
	var op reportline.Operator
	var hash string
	var created int64
	err := tx.queryRow(ctx, `SELECT id, email, password_hash, created_at FROM operators WHERE email = $1`, email).
		Scan(&op.ID, &op.Email, &hash, &created)
	if err != nil {
		return op, "", notFound(translate(err), "operator", email)
	}
	op.CreatedAt = time.UnixMicro(created).UTC()
	return op, hash, nil
}

// CreateOperatorSession opens an operator session under the hash of its
// secret at now, and sweeps the sessions expired by then.
func (db *DB) CreateOperatorSession(ctx context.Context, hash []byte, operator int64, now, expires time.Time) error {
	return db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		if _, err := tx.exec(ctx, `DELETE FROM operator_sessions WHERE expires_at <= $1`, micros(now)); err != nil {
			return fmt.Errorf("sweep operator sessions: %w", err)
		}
		if _, err := tx.exec(ctx, `INSERT INTO operator_sessions (hash, operator_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			hash, operator, micros(now), micros(expires)); err != nil {
			return fmt.Errorf("open operator session: %w", err)
		}
		return nil
	})
}

// OperatorSession returns the operator of a session that has not expired
// at now; NotFound otherwise.
func (db *DB) OperatorSession(ctx context.Context, hash []byte, now time.Time) (reportline.Operator, error) {
	var op reportline.Operator
	err := db.run(ctx, 0, db.read, &sql.TxOptions{ReadOnly: db.engine == Postgres}, func(tx *Tx) error {
		var created int64
		err := tx.queryRow(ctx, `SELECT o.id, o.email, o.created_at FROM operator_sessions s JOIN operators o ON o.id = s.operator_id
			WHERE s.hash = $1 AND s.expires_at > $2`, hash, micros(now)).Scan(&op.ID, &op.Email, &created)
		if err != nil {
			return notFound(translate(err), "operator session", "")
		}
		op.CreatedAt = time.UnixMicro(created).UTC()
		return nil
	})
	return op, err
}

// DeleteOperatorSession ends an operator session (signing out).
func (db *DB) DeleteOperatorSession(ctx context.Context, hash []byte) error {
	return db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		_, err := tx.exec(ctx, `DELETE FROM operator_sessions WHERE hash = $1`, hash)
		return err
	})
}

// TenantPeople counts the people (users rows) of one tenant: the only
// figure about a tenant's people the operator sees. It runs in the
// tenant's own scope.
func (db *DB) TenantPeople(ctx context.Context, id TenantID) (int, error) {
	var n int
	err := db.run(ctx, id, db.read, &sql.TxOptions{ReadOnly: db.engine == Postgres}, func(tx *Tx) error {
		return translate(tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE tenant_id = $T`).Scan(&n))
	})
	if err != nil {
		return 0, fmt.Errorf("count the people of tenant %d: %w", id, err)
	}
	return n, nil
}
