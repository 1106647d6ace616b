package web

import (
	"net/url"
	"strings"
)

// SafeNext returns next when it is a path on this site, else /groups. An
// absolute URL, a scheme-relative "//host" or a backslash trick ("/\host",
// which some browsers read as "//host") could send a freshly signed-in user
// to another site.
func SafeNext(next string) string {
	const fallback = "/groups"
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return fallback
	}
	if strings.HasPrefix(u.Path, "/login") || strings.HasPrefix(u.Path, "/logout") || strings.HasPrefix(u.Path, "/password/") || strings.HasPrefix(u.Path, "/sso/") {
		return fallback
	}
	return u.RequestURI()
}
