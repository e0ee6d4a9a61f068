package generator

import (
	"regexp"
	"strings"

	"github.com/cachegen/cachegen/internal/acl"
)

// patterns computes the SCAN globs and regexps of a cache's keys, without
// prefix: for its current version and for all versions.
func patterns(c *cacheModel) (pattern, match, allPattern, allMatch string) {
	var glob, re strings.Builder
	for _, part := range c.Parts {
		if part.Param < 0 {
			glob.WriteString(globEscape(part.Literal))
			re.WriteString(regexp.QuoteMeta(part.Literal))
			continue
		}
		glob.WriteString("*")
		re.WriteString(valueRegexp(c.Params[part.Param], c.Special))
	}
	if c.Version == "" {
		return glob.String(), re.String(), glob.String(), re.String()
	}
	pattern = glob.String() + ":" + c.Version
	match = re.String() + ":" + c.Version
	allPattern = glob.String()
	if !strings.HasSuffix(allPattern, "*") {
		allPattern += "*"
	}
	allMatch = re.String() + "(?::v[0-9a-f]{7})?"
	return
}

// globEscape escapes the glob metacharacters of Redis SCAN MATCH (and of
// ACL key patterns: one rule for both).
func globEscape(s string) string { return acl.GlobEscape(s) }

// valueRegexp matches the text a placeholder can produce in a key.
func valueRegexp(p *param, special string) string {
	switch p.Kind {
	case kindInt:
		return "(?:-?[0-9]+)"
	case kindUint:
		return "(?:[0-9]+)"
	case kindBool:
		return "(?:true|false)"
	}
	var class strings.Builder
	for _, c := range runtimeEscaped + special {
		class.WriteString(`\` + string(c))
	}
	return "(?:[^" + class.String() + "]|%[0-9A-Fa-f]{2})*"
}
