//go:build amd64 && !purego

#include "textflag.h"

// Url-safe base64 decoding of 32-byte blocks with AVX2, after Muła and
// Lemire, "Faster Base64 Encoding and Decoding Using AVX2 Instructions"
// (2018): nibble-table validation, an offset per high nibble, then
// VPMADDUBSW/VPMADDWD to pack four 6-bit values into three bytes. Only
// VEX-encoded instructions: a legacy-SSE instruction here can cost an
// SSE/AVX transition.
//
// Registers: DI dst, SI src, CX blocks allowed, BX blocks done, AX the
// tables (b64Tables), Y6–Y15 constants, Y0–Y4 scratch.

// func decodeURLAVX2(dst, src *byte, n int, t *b64Tables) int
TEXT ·decodeURLAVX2(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ t+24(FP), AX
	XORQ BX, BX
	VBROADCASTI128 0(AX), Y8    // lo
	VBROADCASTI128 16(AX), Y9   // hi
	VBROADCASTI128 32(AX), Y10  // roll
	VMOVDQU        48(AX), Y11  // nibble
	VMOVDQU        80(AX), Y12  // under
	VMOVDQU        112(AX), Y13 // eight
	VMOVDQU        144(AX), Y14 // madd1
	VMOVDQU        176(AX), Y15 // madd2
	VMOVDQU        208(AX), Y7  // shuf
	VMOVDQU        240(AX), Y6  // perm

loop:
	CMPQ       BX, CX
	JAE        done
	VMOVDQU    (SI), Y0
	VPSRLD     $4, Y0, Y1
	VPAND      Y11, Y1, Y1   // high nibbles
	VPAND      Y11, Y0, Y2   // low nibbles
	VPSHUFB    Y2, Y8, Y2    // lo[l]
	VPSHUFB    Y1, Y9, Y3    // hi[h]
	VPTEST     Y2, Y3        // ZF = no byte with lo[l]&hi[h] != 0
	JNE        done
	VPCMPEQB   Y12, Y0, Y4   // '_'
	VPAND      Y13, Y4, Y4
	VPADDB     Y4, Y1, Y1    // offset slot: h, or h+8 for '_'
	VPSHUFB    Y1, Y10, Y1   // roll
	VPADDB     Y1, Y0, Y0    // 6-bit values
	VPMADDUBSW Y14, Y0, Y0   // 12-bit pairs
	VPMADDWD   Y15, Y0, Y0   // 24 bits per dword
	VPSHUFB    Y7, Y0, Y0    // 12 output bytes at the bottom of each lane
	VPERMD     Y0, Y6, Y0    // 24 output bytes at the bottom
	VMOVDQU    Y0, (DI)
	ADDQ       $32, SI
	ADDQ       $24, DI
	INCQ       BX
	JMP        loop

done:
	VZEROUPPER
	MOVQ BX, ret+32(FP)
	RET

// Url-safe base64 encoding of 24-byte blocks with AVX2 (Muła and Lemire,
// as above): each lane takes 12 bytes, spreads every 3 into a dword as
// bytes 1,0,2,1, cuts the four 6-bit fields out with two mask-and-multiply
// steps, and maps each value to its character by a class offset.
//
// Registers: DI dst, SI src, CX blocks left, AX the tables (b64EncTables),
// Y5–Y13 constants, Y0–Y4 scratch.

// func encodeURLAVX2(dst, src *byte, n int, t *b64EncTables)
TEXT ·encodeURLAVX2(SB), NOSPLIT, $0-32
	MOVQ           dst+0(FP), DI
	MOVQ           src+8(FP), SI
	MOVQ           n+16(FP), CX
	MOVQ           t+24(FP), AX
	VMOVDQU        0(AX), Y5     // spread
	VMOVDQU        32(AX), Y6    // mask1
	VMOVDQU        64(AX), Y7    // mult1
	VMOVDQU        96(AX), Y8    // mask2
	VMOVDQU        128(AX), Y9   // mult2
	VMOVDQU        160(AX), Y10  // 51
	VMOVDQU        192(AX), Y11  // 25
	VMOVDQU        224(AX), Y12  // 13
	VBROADCASTI128 256(AX), Y13  // shift
	TESTQ          CX, CX
	JZ             encdone

encloop:
	VMOVDQU    (SI), X0           // bytes 0-15: lane 0 uses 0-11
	VINSERTI128 $1, 12(SI), Y0, Y0 // bytes 12-27: lane 1 uses 12-23
	VPSHUFB    Y5, Y0, Y0
	VPAND      Y6, Y0, Y1
	VPMULHUW   Y7, Y1, Y1
	VPAND      Y8, Y0, Y2
	VPMULLW    Y9, Y2, Y2
	VPOR       Y1, Y2, Y0         // 6-bit values, one per byte
	VPSUBUSB   Y10, Y0, Y1        // max(v-51, 0)
	VPCMPGTB   Y11, Y0, Y2        // v > 25
	VPANDN     Y12, Y2, Y2        // 13 where v < 26
	VPOR       Y2, Y1, Y1         // class
	VPSHUFB    Y1, Y13, Y1        // shift[class]
	VPADDB     Y1, Y0, Y0
	VMOVDQU    Y0, (DI)
	ADDQ       $24, SI
	ADDQ       $32, DI
	DECQ       CX
	JNZ        encloop

encdone:
	VZEROUPPER
	RET
