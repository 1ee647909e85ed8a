package recipe

// nearest returns the candidate closest to s by edit distance, when it is close
// enough to be a plausible typo (at most a third of the longer name, and at least
// one edit allowed); otherwise "".
func nearest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(s, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(len(s), len(best)) / 3
	if bestDist < 0 || bestDist > max(limit, 1) {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, ignoring ASCII case
// (compliance vs Compliance is a typo, not a different word).
func editDistance(a, b string) int {
	lower := func(c byte) byte {
		if 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if lower(a[i-1]) == lower(b[j-1]) {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
