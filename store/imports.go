package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"reportline"
)

// CreateImportBatch records a new import and sets its ID.
func (tx *Tx) CreateImportBatch(ctx context.Context, b *reportline.ImportBatch) error {
	counts, _ := json.Marshal(b.Counts)
	err := tx.queryRow(ctx, `INSERT INTO import_batches (tenant_id, actor_id, source, file_name, file_size, dry_run, status, phase, counts, preview_id, created_at, actor_label)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		nullID(b.ActorID), b.Source, b.FileName, b.FileSize, b.DryRun, b.Status, b.Phase, string(counts), nullID(b.PreviewID), micros(b.CreatedAt), b.ActorLabel).Scan(&b.ID)
	if err != nil {
		return fmt.Errorf("create import batch: %w", translate(err))
	}
	return nil
}

// UpdateImportBatch writes an import's progress, status, counts and error.
func (tx *Tx) UpdateImportBatch(ctx context.Context, b reportline.ImportBatch) error {
	counts, _ := json.Marshal(b.Counts)
	args, err := reportline.EncodeMsgArgs(b.ErrorArgs)
	if err != nil {
		return fmt.Errorf("update import batch %d: %w", b.ID, err)
	}
	_, err = tx.exec(ctx, `UPDATE import_batches SET status = $2, phase = $3, progress_done = $4, progress_total = $5,
		counts = $6, error = $7, finished_at = $8, file_size = $9, encoding = $10, separator = $11,
		error_id = $12, error_args = $13 WHERE tenant_id = $T AND id = $1`,
		b.ID, b.Status, b.Phase, b.Done, b.Total, string(counts), b.Error, toMicros(b.FinishedAt), b.FileSize, b.Encoding, b.Separator,
		nullString(b.ErrorID), nullString(args))
	if err != nil {
		return fmt.Errorf("update import batch %d: %w", b.ID, err)
	}
	return nil
}

const importColumns = `id, COALESCE(actor_id, 0), source, file_name, file_size, dry_run, status, phase, progress_done, progress_total,
	counts, error, COALESCE(preview_id, 0), created_at, finished_at, encoding, separator, actor_label,
	COALESCE(error_id, ''), COALESCE(error_args, '')`

func scanImport(s scanner) (reportline.ImportBatch, error) {
	var b reportline.ImportBatch
	var counts, args string
	var created int64
	var finished sql.NullInt64
	err := s.Scan(&b.ID, &b.ActorID, &b.Source, &b.FileName, &b.FileSize, &b.DryRun, &b.Status, &b.Phase, &b.Done, &b.Total,
		&counts, &b.Error, &b.PreviewID, &created, &finished, &b.Encoding, &b.Separator, &b.ActorLabel, &b.ErrorID, &args)
	if err != nil {
		return b, translate(err)
	}
	if b.ErrorArgs, err = reportline.DecodeMsgArgs(args); err != nil {
		return b, fmt.Errorf("import %d: %w", b.ID, err)
	}
	b.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
	b.FinishedAt = fromMicros(finished)
	if err := json.Unmarshal([]byte(counts), &b.Counts); err != nil {
		return b, fmt.Errorf("import %d counts: %w", b.ID, err)
	}
	return b, nil
}

// ImportBatch returns one import.
func (tx *Tx) ImportBatch(ctx context.Context, id int64) (reportline.ImportBatch, error) {
	b, err := scanImport(tx.queryRow(ctx, `SELECT `+importColumns+` FROM import_batches WHERE tenant_id = $T AND id = $1`, id))
	return b, notFound(err, "import", id)
}

// ImportBatches returns imports, newest first: all of them, or those of
// one actor when actor is not 0.
func (tx *Tx) ImportBatches(ctx context.Context, actor reportline.UserID, beforeID int64, limit int) ([]reportline.ImportBatch, error) {
	if limit <= 0 || limit > MaxPageSize {
		limit = DefaultPageSize
	}
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	rows, err := tx.query(ctx, `SELECT `+importColumns+` FROM import_batches
		WHERE tenant_id = $T AND id < $1 AND (actor_id = $2 OR $2 = 0) ORDER BY id DESC LIMIT $3`, beforeID, actor, limit)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	defer rows.Close()
	var out []reportline.ImportBatch
	for rows.Next() {
		b, err := scanImport(rows)
		if err != nil {
			return nil, fmt.Errorf("list imports: %w", err)
		}
		out = append(out, b)
	}
	return out, translate(rows.Err())
}

// FailRunningImports marks imports left running by a stopped process as
// failed: their transaction died with the process, so nothing was applied.
// reasonID names reason in the pages' catalogues (ImportBatch.ErrorID).
func (tx *Tx) FailRunningImports(ctx context.Context, reason, reasonID string) (int64, error) {
	res, err := tx.exec(ctx, `UPDATE import_batches SET status = 'failed', error = $1, error_id = $2, error_args = NULL
		WHERE tenant_id = $T AND status = 'running'`, reason, nullString(reasonID))
	if err != nil {
		return 0, fmt.Errorf("fail running imports: %w", err)
	}
	return res.RowsAffected()
}

// PutImportFile stores a file (already compressed by the caller) with an import.
func (tx *Tx) PutImportFile(ctx context.Context, batch int64, kind reportline.ImportFileKind, data []byte) error {
	_, err := tx.exec(ctx, `INSERT INTO import_files (tenant_id, batch_id, kind, data) VALUES ($T, $1, $2, $3)
		ON CONFLICT (tenant_id, batch_id, kind) DO UPDATE SET data = excluded.data`, batch, kind, data)
	if err != nil {
		return fmt.Errorf("store import file: %w", err)
	}
	return nil
}

// ImportFile returns a file kept with an import.
func (tx *Tx) ImportFile(ctx context.Context, batch int64, kind reportline.ImportFileKind) ([]byte, error) {
	var data []byte
	err := tx.queryRow(ctx, `SELECT data FROM import_files WHERE tenant_id = $T AND batch_id = $1 AND kind = $2`, batch, kind).Scan(&data)
	return data, notFound(translate(err), string(kind)+" file of import", batch)
}

// EachUserAddress streams every user's id, address and whether they are
// active: all an import needs to resolve addresses, read in one pass.
func (tx *Tx) EachUserAddress(ctx context.Context, fn func(id reportline.UserID, email string, active bool) error) error {
	rows, err := tx.query(ctx, `SELECT id, email, status FROM users WHERE tenant_id = $T`)
	if err != nil {
		return fmt.Errorf("read users: %w", err)
	}
	defer rows.Close()
	var id any // see EachLinkKey
	var email string
	var status sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&id, &email, &status); err != nil {
			return fmt.Errorf("read users: %w", err)
		}
		n, err := asInt64(id)
		if err != nil {
			return fmt.Errorf("read users: %w", err)
		}
		if err := fn(reportline.UserID(n), email, string(status) == string(reportline.StatusActive)); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// EachLinkKey streams every link's pair, kind and dates (Unix microseconds,
// 0 for none), in no particular order: the narrow read an import diffs
// against. The rest of a link is read with LinksOfManagees, only for the
// links an import changes.
func (tx *Tx) EachLinkKey(ctx context.Context, fn func(manager, managee reportline.UserID, functional bool, from, until int64) error) error {
	rows, err := tx.query(ctx, `SELECT manager_id, managee_id, kind, COALESCE(valid_from, 0), COALESCE(valid_until, 0) FROM links WHERE tenant_id = $T`)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	// Integers are scanned into interfaces: database/sql converts into an
	// *int64 by reflection, a tenth of a microsecond a column that a
	// million rows notice; both drivers hand over int64s.
	var vals [4]any
	var kind sql.RawBytes
	var n [4]int64
	for rows.Next() {
		if err := rows.Scan(&vals[0], &vals[1], &kind, &vals[2], &vals[3]); err != nil {
			return fmt.Errorf("read links: %w", err)
		}
		for i, v := range vals {
			if n[i], err = asInt64(v); err != nil {
				return fmt.Errorf("read links: %w", err)
			}
		}
		if err := fn(reportline.UserID(n[0]), reportline.UserID(n[1]), string(kind) == string(reportline.Functional), n[2], n[3]); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// asInt64 reads an integer column scanned into an interface.
func asInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	}
	return 0, fmt.Errorf("an integer column holds %T", v)
}

// EachLink streams every link, in no particular order, scanning without
// allocating for the usual columns.
func (tx *Tx) EachLink(ctx context.Context, fn func(reportline.Link) error) error {
	rows, err := tx.query(ctx, `SELECT `+linkColumns+` FROM links WHERE tenant_id = $T`)
	if err != nil {
		return fmt.Errorf("read links: %w", err)
	}
	defer rows.Close()
	var l reportline.Link
	var kind, source, comment sql.RawBytes
	var from, until sql.NullInt64
	var created int64
	for rows.Next() {
		if err := rows.Scan(&l.ManagerID, &l.ManageeID, &kind, &source, &from, &until, &comment, &l.CreatedBy, &created); err != nil {
			return fmt.Errorf("read links: %w", err)
		}
		l.Kind, l.Source = kindOf(kind), sourceOf(source)
		l.Comment = ""
		if len(comment) > 0 {
			l.Comment = string(comment)
		}
		l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
		l.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
		if err := fn(l); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// CountLinks returns how many links there are, so bulk readers can size
// their buffers once.
func (tx *Tx) CountLinks(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT count(*) FROM links WHERE tenant_id = $T`).Scan(&n)
	return n, translate(err)
}

// kindOf and sourceOf map stored names to the domain's constants without
// allocating a string per row.
func kindOf(b []byte) reportline.Kind {
	if string(b) == string(reportline.Line) {
		return reportline.Line
	}
	if string(b) == string(reportline.Functional) {
		return reportline.Functional
	}
	return reportline.Kind(b)
}

func sourceOf(b []byte) reportline.Source {
	for _, s := range reportline.Sources {
		if string(b) == string(s) {
			return s
		}
	}
	return reportline.Source(b)
}

// EachLinkRow streams every link with its users' addresses, managee by
// managee (the order of the links_managee index, so nothing is sorted).
func (tx *Tx) EachLinkRow(ctx context.Context, fn func(reportline.LinkRow) error) error {
	rows, err := tx.query(ctx, `SELECT m.email, e.email, l.manager_id, l.managee_id, l.kind, l.source, l.valid_from, l.valid_until,
		l.comment, COALESCE(l.created_by, 0), l.created_at
		FROM links l JOIN users m ON m.tenant_id = $T AND m.id = l.manager_id JOIN users e ON e.tenant_id = $T AND e.id = l.managee_id
		WHERE l.tenant_id = $T
		ORDER BY l.managee_id, l.manager_id`)
	if err != nil {
		return fmt.Errorf("export links: %w", err)
	}
	defer rows.Close()
	var r reportline.LinkRow
	var from, until sql.NullInt64
	var created int64
	for rows.Next() {
		if err := rows.Scan(&r.ManagerEmail, &r.ManageeEmail, &r.ManagerID, &r.ManageeID, &r.Kind, &r.Source, &from, &until,
			&r.Comment, &r.CreatedBy, &created); err != nil {
			return fmt.Errorf("export links: %w", err)
		}
		r.ValidFrom, r.ValidUntil = fromMicros(from), fromMicros(until)
		r.CreatedAt = fromMicros(sql.NullInt64{Int64: created, Valid: true})
		if err := fn(r); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
