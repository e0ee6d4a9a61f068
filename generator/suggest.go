package generator

import "strings"

// suggest returns the candidate closest to s, or "" when none is close
// enough to be a plausible typo. A case-insensitive match wins; otherwise
// the smallest edit distance (transpositions count once) within a bound
// that grows with the length of s. Ties go to the earlier candidate.
func suggest(s string, candidates []string) string {
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if strings.ToLower(c) == ls {
			return c
		}
	}
	limit := 1
	if len(s) > 3 {
		limit = 2
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		if d := editDistance(ls, strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and adjacent transpositions, each
// costing one, counted on bytes.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		// Long identifiers are not worth a quadratic table: compare
		// lengths only, which never suggests anything.
		return max(len(a), len(b))
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
