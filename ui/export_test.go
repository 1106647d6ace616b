package ui

import (
	"reportline"
	"reportline/app"
)

// DynamicMessageIDs are the message ids ui builds from codes (a rejected
// line's reason, an encoding, an error page's status), for the extraction
// test, which cannot see them in the source.
func DynamicMessageIDs() []string {
	var ids []string
	for _, id := range headings {
		ids = append(ids, id)
	}
	for r := range reasonTones {
		ids = append(ids, "import.reason."+r)
	}
	for _, e := range encodings {
		ids = append(ids, "encoding."+e)
	}
	for _, s := range separators {
		ids = append(ids, "separator."+s)
	}
	for _, c := range lifetimes(0) {
		ids = append(ids, c.Label)
	}
	for _, n := range reportline.Notifications() {
		for _, prefix := range []string{"notification.", "notification.trigger.", "notification.description."} {
			ids = append(ids, prefix+string(n.Type))
		}
	}
	for _, st := range []reportline.DeliveryStatus{reportline.DeliveryPending, reportline.DeliverySending, reportline.DeliverySent, reportline.DeliveryFailed} {
		ids = append(ids, "delivery.status."+string(st))
	}
	for _, k := range []string{"applied", "applied_full", "dry_run", "dry_run_full"} {
		ids = append(ids, "sync.kind."+k)
	}
	for _, src := range []reportline.Source{reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM} {
		ids = append(ids, "sync.source."+string(src))
	}
	for _, k := range []string{"created", "updated", "deactivated", "reactivated", "unchanged", "skipped", "links-added", "links-removed", "links-updated", "links-unchanged"} {
		ids = append(ids, "sync.count."+k)
	}
	for _, c := range reportline.Capabilities {
		ids = append(ids, "capability."+string(c))
	}
	for _, k := range reportline.LinkKinds {
		ids = append(ids, "scopes.kind."+string(k))
	}
	for _, a := range reportline.Audiences {
		for _, prefix := range []string{"audience.", "roles.what.", "roles.for.", "roles.none."} {
			ids = append(ids, prefix+string(a))
		}
	}
	ids = append(ids, "channel.email")
	for _, c := range capabilityRows {
		ids = append(ids, c.Name)
	}
	for _, f := range userFields {
		ids = append(ids, "field."+f)
	}
	for _, id := range orgFlashes {
		ids = append(ids, id)
	}
	for _, f := range app.TemplateMessageFields {
		ids = append(ids, "tmsg.field."+f.Name)
	}
	return ids
}
