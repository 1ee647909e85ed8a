// Package bytesize writes sizes in bytes for people, in binary units, the
// way the deployer and its benchmark print them.
package bytesize

import (
	"strconv"
	"strings"
)

// Format writes n bytes for people: "512 B", "1.5 KiB", "3 MiB", up to PiB,
// with one decimal unless it is zero.
func Format(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	v, i := float64(n)/unit, 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") + " " + units[i]
}
