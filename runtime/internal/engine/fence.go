package engine

import (
	"context"
	"regexp"
	"strings"

	"github.com/redis/go-redis/v9"
)

// A fence is the key a load holds beside the value key from before its
// loader runs until its write-back: a random token taken with SET PX. Remove
// and the purges delete it together with the value, so a load that began
// before an invalidation finds its token gone and stores nothing. It is also
// WithLock's lock (a load waits while another process's load holds it) and,
// in a refresh cache, the "refreshed" marker that allows one reload per key
// per refresh interval across the fleet.
//
// Its name starts with the value key, so the cache's key patterns (ACLs,
// operators' SCANs) cover it, and lands in the value's hash slot under
// Redis Cluster's hash-tag rules whatever the runtime prefix holds, so the
// write-back's script touches one slot:
//
//   - key + ":fence" when the key has a hash tag of its own (appending
//     keeps the tag);
//   - key + "{" + key + "}" when the key holds no brace at all (the tag is
//     the whole key, whose slot is the key's);
//   - otherwise (a prefix with a lone or empty brace pair: the key hashes
//     whole and no tag can name it) key + ":fence:" + four letters from
//     '@'..'O' chosen so the CRC16 of the whole name falls in the key's slot.
//
// None of these forms matches a value key of the cache: the first and third
// add a ':'-separated part the template does not have, the second braces
// that key parts escape. Purge tells fences from values with fenceOf.

// Fence token prefixes: a load in progress, and a refresh cache's marker.
const (
	tokenLoad   = "l"
	tokenMarker = "r"
)

// fenceKey names the fence of the value key key.
func fenceKey(key string) string {
	if _, ok := hashTag(key); ok {
		return key + ":fence"
	}
	if !strings.ContainsAny(key, "{}") {
		return key + "{" + key + "}"
	}
	return key + steered(key)
}

// fenceOf reports whether name is the fence of some value key, and which.
func fenceOf(name string) (string, bool) {
	var v string
	switch {
	case strings.HasSuffix(name, ":fence"):
		v = strings.TrimSuffix(name, ":fence")
	case strings.HasSuffix(name, "}") && len(name)%2 == 0:
		v = name[:(len(name)-2)/2]
	case len(name) > len(fenceSteer)+4 && name[len(name)-len(fenceSteer)-4:len(name)-4] == fenceSteer:
		v = name[:len(name)-len(fenceSteer)-4]
	default:
		return "", false
	}
	return v, fenceKey(v) == name
}

// hashTag returns the text Redis Cluster hashes instead of the whole key:
// between the first '{' and the first '}' after it, when not empty.
func hashTag(key string) (string, bool) {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return "", false
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return "", false
	}
	return key[i+1 : i+1+j], true
}

const fenceSteer = ":fence:"

// steered returns fenceSteer plus four bytes 0x40|n (n a nibble) such that
// key + the result hashes to key's slot. CRC16 is linear: appending four
// such bytes moves the CRC by a linear map of their 16 nibble bits, whose
// image covers all 14 slot bits (steerBasis), so a solution always exists.
func steered(key string) string {
	want := crc16(0, key)
	s := crc16(want, fenceSteer)
	off := (crc16(s, "@@@@") ^ want) & 0x3fff
	var n uint16
	for _, b := range steerBasis {
		if off&b.pivot != 0 {
			off ^= b.vec
			n ^= b.combo
		}
	}
	out := []byte(fenceSteer + "@@@@")
	for i := range 4 {
		out[len(fenceSteer)+i] |= byte(n>>(4*i)) & 0xf
	}
	return string(out)
}

func crc16(crc uint16, s string) uint16 {
	for i := 0; i < len(s); i++ {
		crc = crc<<8 ^ crc16tab[byte(crc>>8)^s[i]]
	}
	return crc
}

type steerVec struct{ pivot, vec, combo uint16 }

// steerBasis is the reduced echelon basis (over the 14 slot bits) of the
// CRC change caused by each of the 16 nibble bits of the steering letters.
var steerBasis = func() []steerVec {
	base := crc16(0, "@@@@")
	var rows []steerVec
	for bit := range 16 {
		x := []byte("@@@@")
		x[bit/4] |= 1 << (bit % 4)
		rows = append(rows, steerVec{vec: (crc16(0, string(x)) ^ base) & 0x3fff, combo: 1 << bit})
	}
	var basis []steerVec
	for p := 13; p >= 0; p-- {
		pivot := uint16(1) << p
		k := -1
		for i, r := range rows {
			if r.vec&pivot != 0 {
				k = i
				break
			}
		}
		if k < 0 {
			panic("cachegen: fence steering basis is singular")
		}
		r := rows[k]
		rows = append(rows[:k], rows[k+1:]...)
		r.pivot = pivot
		for i := range rows {
			if rows[i].vec&pivot != 0 {
				rows[i].vec ^= r.vec
				rows[i].combo ^= r.combo
			}
		}
		for i := range basis {
			if basis[i].vec&pivot != 0 {
				basis[i].vec ^= r.vec
				basis[i].combo ^= r.combo
			}
		}
		basis = append(basis, r)
	}
	return basis
}()

// removeScript deletes a value and its fence at once and reports whether
// the value existed (the fence does not count).
var removeScript = redis.NewScript(`
local n = redis.call('UNLINK', KEYS[1])
redis.call('UNLINK', KEYS[2])
return n`)

// removeFenced is Remove for a typed cache: the value and its fence go
// together, so a load in flight for key stores nothing afterwards.
func (b *base) removeFenced(ctx context.Context, full string) (bool, error) {
	if err := b.check(full); err != nil {
		return false, err
	}
	n, err := removeScript.Run(ctx, b.client, []string{full, fenceKey(full)}).Int64()
	if err != nil {
		return false, b.writeErr(ctx, err)
	}
	return n > 0, nil
}

// fencedMatch classifies keys for a typed cache's purge: values matching re
// go with their fences, and a fence of a matching key whose value is absent
// (a load in flight) goes too.
func fencedMatch(re *regexp.Regexp) func(string) keyKind {
	return func(k string) keyKind {
		if re.MatchString(k) {
			return kindFenced
		}
		if v, ok := fenceOf(k); ok && re.MatchString(v) {
			return kindFence
		}
		return kindSkip
	}
}
