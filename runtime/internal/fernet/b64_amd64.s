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
