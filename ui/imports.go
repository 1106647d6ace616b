package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"

	"reportline"
	"reportline/bulkimport"
	"reportline/web"
)

// maxUploadBytes bounds an upload's request: the largest file app accepts
// and room for the multipart envelope around it.
const maxUploadBytes = bulkimport.MaxBytes + 1<<20

// upload receives a CSV file and starts its preview: an import always
// starts as a dry run, and is applied from its page. The file is saved to a
// temporary file first, since the preview outlives the request.
func (u *UI) upload(w http.ResponseWriter, r *http.Request, v viewer) error {
	f, name, err := saveUpload(r)
	if err != nil {
		if reportline.ErrorCode(err) == reportline.Invalid {
			return u.uploadRefused(w, r, v, err)
		}
		return err
	}
	cleanup := func() {
		f.Close()
		os.Remove(f.Name())
	}
	size, err := f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		cleanup()
		return fmt.Errorf("rewind upload: %w", err)
	}
	s, err := u.startImport(r, func(ctx context.Context, opt bulkimport.Options) (bulkimport.Result, error) {
		opt.FileName, opt.Size, opt.DryRun = name, size, true
		return u.app.ImportManagers(ctx, v.Actor, f, opt)
	}, cleanup)
	if r.Context().Err() != nil {
		return nil // the browser left; the preview goes on
	}
	if err != nil {
		return err
	}
	// A file refused as a whole (not a CSV, no header) is explained on the
	// form it came from; the failed import stays in the history.
	if s.Finished && reportline.ErrorCode(s.Err) == reportline.Invalid {
		return u.uploadRefused(w, r, v, s.Err)
	}
	seeOther(w, r, importURL(s.ID))
	return nil
}

// uploadRefused shows the bulk page again with why the upload was refused.
func (u *UI) uploadRefused(w http.ResponseWriter, r *http.Request, v viewer, refusal error) error {
	p, err := u.bulkPage(r.Context(), v, 0, u.loc(r))
	if err != nil {
		return err
	}
	l := u.loc(r)
	p.UploadError = problemOf(l, refusal)
	p.UploadError.Title = l.T("bulk.upload.refused", nil)
	if e, ok := errors.AsType[*reportline.Error](refusal); ok && e.Line > 0 {
		if p.UploadError.Raw {
			p.UploadError.Message = fmt.Sprintf("Line %d: %s", e.Line, e.Message)
		} else {
			p.UploadError.Message = atLine(l, e.Line, p.UploadError.Message)
		}
	}
	u.render(w, r, web.Status(reportline.ErrorCode(refusal)), "bulk", p)
	return nil
}

// saveUpload copies the form's file to a temporary file and returns it,
// with the name the browser gave it. The caller removes the file.
func saveUpload(r *http.Request) (f *os.File, name string, err error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", reportline.Errorf(reportline.Invalid, "choose a CSV file to upload")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", reportline.Errorf(reportline.Invalid, "choose a CSV file to upload")
		}
		if err != nil {
			return nil, "", uploadError(err)
		}
		if part.FormName() != "file" {
			continue
		}
		if name = part.FileName(); name == "" {
			return nil, "", reportline.Errorf(reportline.Invalid, "choose a CSV file to upload")
		}
		f, err := copyToTemp(part)
		if err != nil {
			return nil, "", err
		}
		return f, name, nil
	}
}

// copyToTemp saves an uploaded file.
func copyToTemp(part *multipart.Part) (*os.File, error) {
	f, err := os.CreateTemp("", "reportline-upload-*.csv")
	if err != nil {
		return nil, fmt.Errorf("save upload: %w", err)
	}
	if _, err := io.Copy(f, part); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, uploadError(err)
	}
	return f, nil
}

// uploadError explains a body that could not be read.
func uploadError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return reportline.Errorf(reportline.TooLarge, "the file is larger than the limit of %s; split it into smaller files", byteSize(bulkimport.MaxBytes))
	}
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		return e // the body arrived too slowly
	}
	e := reportline.Errorf(reportline.Invalid, "the upload was interrupted or is not a form upload; try again")
	e.Err = err
	return e
}

// apply applies a finished preview in the background and shows the new
// import's page.
func (u *UI) apply(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := importID(r)
	if err != nil {
		return err
	}
	s, err := u.startImport(r, func(ctx context.Context, opt bulkimport.Options) (bulkimport.Result, error) {
		return u.app.ApplyImport(ctx, v.Actor, id, opt)
	}, nil)
	if r.Context().Err() != nil {
		return nil // the browser left; the import goes on
	}
	if err != nil {
		return err
	}
	seeOther(w, r, importURL(s.ID))
	return nil
}

// importFile downloads a file kept with an import: the upload, its rejected
// lines or its changes.
func (u *UI) importFile(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := importID(r)
	if err != nil {
		return err
	}
	kind, ok := strings.CutSuffix(r.PathValue("file"), ".csv")
	switch reportline.ImportFileKind(kind) {
	case reportline.FileUpload, reportline.FileRejected, reportline.FileChanges:
	default:
		ok = false
	}
	if !ok {
		return reportline.Errorf(reportline.NotFound, "an import keeps upload.csv, rejected.csv and changes.csv, not %q", r.PathValue("file"))
	}
	f, err := u.app.GetImportFile(r.Context(), v.Actor, id, reportline.ImportFileKind(kind))
	if err != nil {
		return err
	}
	web.CSVHeaders(w, fmt.Sprintf("import-%d-%s.csv", id, kind))
	if _, err := io.Copy(w, f); err != nil {
		u.log.Warn("send import file", "request_id", web.RequestID(r.Context()), "import", id, "err", err)
	}
	return nil
}

// importID reads the {id} path segment. A malformed id names no import: 404.
func importID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, reportline.Errorf(reportline.NotFound, "there is no import %q", r.PathValue("id"))
	}
	return id, nil
}

// importURL is the page of an import.
func importURL(id int64) string { return fmt.Sprintf("/managers/imports/%d", id) }
