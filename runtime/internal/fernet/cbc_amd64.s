//go:build amd64 && !purego

#include "textflag.h"

// AES-256-CBC decryption with AES-NI, eight blocks at a time, then four, then
// one. AESDEC has a latency of several cycles but a throughput of about one
// per cycle, so independent blocks in flight keep the unit busy where
// crypto/cipher's CBC decrypter (one block per call) waits on each round.
//
// Registers: AX the decryption key schedule (xk.dec), DI dst, SI src, CX blocks left, X0–X7 the
// blocks being decrypted, X8 the round key, X9 scratch, X10 the ciphertext
// block before the current one (the IV at first). In place (DI == SI), every
// ciphertext block a batch needs is read before the batch stores a plaintext
// block, and the last one is kept in X10 for the next batch.

#define ROUND8(off) \
	MOVOU off(AX), X8; \
	AESDEC X8, X0; \
	AESDEC X8, X1; \
	AESDEC X8, X2; \
	AESDEC X8, X3; \
	AESDEC X8, X4; \
	AESDEC X8, X5; \
	AESDEC X8, X6; \
	AESDEC X8, X7

#define ROUND4(off) \
	MOVOU off(AX), X8; \
	AESDEC X8, X0; \
	AESDEC X8, X1; \
	AESDEC X8, X2; \
	AESDEC X8, X3

#define ROUND1(off) \
	MOVOU off(AX), X8; \
	AESDEC X8, X0

// func decryptCBCAsm(xk *decKeys256, iv *[16]byte, dst, src *byte, n int)
TEXT ·decryptCBCAsm(SB), NOSPLIT, $0-40
	MOVQ xk+0(FP), AX
	ADDQ $240, AX      // xk.dec
	MOVQ iv+8(FP), BX
	MOVQ dst+16(FP), DI
	MOVQ src+24(FP), SI
	MOVQ n+32(FP), CX
	MOVOU (BX), X10

loop8:
	CMPQ CX, $8
	JB   loop4
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVOU 64(SI), X4
	MOVOU 80(SI), X5
	MOVOU 96(SI), X6
	MOVOU 112(SI), X7
	MOVOU 0(AX), X8
	PXOR  X8, X0
	PXOR  X8, X1
	PXOR  X8, X2
	PXOR  X8, X3
	PXOR  X8, X4
	PXOR  X8, X5
	PXOR  X8, X6
	PXOR  X8, X7
	ROUND8(16)
	ROUND8(32)
	ROUND8(48)
	ROUND8(64)
	ROUND8(80)
	ROUND8(96)
	ROUND8(112)
	ROUND8(128)
	ROUND8(144)
	ROUND8(160)
	ROUND8(176)
	ROUND8(192)
	ROUND8(208)
	MOVOU      224(AX), X8
	AESDECLAST X8, X0
	AESDECLAST X8, X1
	AESDECLAST X8, X2
	AESDECLAST X8, X3
	AESDECLAST X8, X4
	AESDECLAST X8, X5
	AESDECLAST X8, X6
	AESDECLAST X8, X7
	PXOR       X10, X0
	MOVOU      0(SI), X9
	PXOR       X9, X1
	MOVOU      16(SI), X9
	PXOR       X9, X2
	MOVOU      32(SI), X9
	PXOR       X9, X3
	MOVOU      48(SI), X9
	PXOR       X9, X4
	MOVOU      64(SI), X9
	PXOR       X9, X5
	MOVOU      80(SI), X9
	PXOR       X9, X6
	MOVOU      96(SI), X9
	PXOR       X9, X7
	MOVOU      112(SI), X10
	MOVOU      X0, 0(DI)
	MOVOU      X1, 16(DI)
	MOVOU      X2, 32(DI)
	MOVOU      X3, 48(DI)
	MOVOU      X4, 64(DI)
	MOVOU      X5, 80(DI)
	MOVOU      X6, 96(DI)
	MOVOU      X7, 112(DI)
	ADDQ       $128, SI
	ADDQ       $128, DI
	SUBQ       $8, CX
	JMP        loop8

loop4:
	CMPQ  CX, $4
	JB    loop1
	MOVOU 0(SI), X0
	MOVOU 16(SI), X1
	MOVOU 32(SI), X2
	MOVOU 48(SI), X3
	MOVOU 0(AX), X8
	PXOR  X8, X0
	PXOR  X8, X1
	PXOR  X8, X2
	PXOR  X8, X3
	ROUND4(16)
	ROUND4(32)
	ROUND4(48)
	ROUND4(64)
	ROUND4(80)
	ROUND4(96)
	ROUND4(112)
	ROUND4(128)
	ROUND4(144)
	ROUND4(160)
	ROUND4(176)
	ROUND4(192)
	ROUND4(208)
	MOVOU      224(AX), X8
	AESDECLAST X8, X0
	AESDECLAST X8, X1
	AESDECLAST X8, X2
	AESDECLAST X8, X3
	PXOR       X10, X0
	MOVOU      0(SI), X9
	PXOR       X9, X1
	MOVOU      16(SI), X9
	PXOR       X9, X2
	MOVOU      32(SI), X9
	PXOR       X9, X3
	MOVOU      48(SI), X10
	MOVOU      X0, 0(DI)
	MOVOU      X1, 16(DI)
	MOVOU      X2, 32(DI)
	MOVOU      X3, 48(DI)
	ADDQ       $64, SI
	ADDQ       $64, DI
	SUBQ       $4, CX

loop1:
	TESTQ CX, CX
	JZ    done
	MOVOU 0(SI), X0
	MOVOU X0, X9
	MOVOU 0(AX), X8
	PXOR  X8, X0
	ROUND1(16)
	ROUND1(32)
	ROUND1(48)
	ROUND1(64)
	ROUND1(80)
	ROUND1(96)
	ROUND1(112)
	ROUND1(128)
	ROUND1(144)
	ROUND1(160)
	ROUND1(176)
	ROUND1(192)
	ROUND1(208)
	MOVOU      224(AX), X8
	AESDECLAST X8, X0
	PXOR       X10, X0
	MOVOU      X9, X10
	MOVOU      X0, 0(DI)
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       CX
	JMP        loop1

done:
	RET

// CBC encryption is serial: each block is XORed with the previous
// ciphertext before it is encrypted, so the loop runs at AESENC's latency;
// what it saves over crypto/cipher is the call and the XOR call per block.
// Round keys 0-12 stay in X2-X14; 13 and 14 are reloaded into X1 every
// block (off the critical path). X0 is the chaining value.

// func encryptCBCAsm(xk *schedule256, iv *[16]byte, dst, src *byte, n int)
TEXT ·encryptCBCAsm(SB), NOSPLIT, $0-40
	MOVQ  xk+0(FP), AX // xk.enc
	MOVQ  iv+8(FP), BX
	MOVQ  dst+16(FP), DI
	MOVQ  src+24(FP), SI
	MOVQ  n+32(FP), CX
	MOVOU (BX), X0
	MOVOU 0(AX), X2
	MOVOU 16(AX), X3
	MOVOU 32(AX), X4
	MOVOU 48(AX), X5
	MOVOU 64(AX), X6
	MOVOU 80(AX), X7
	MOVOU 96(AX), X8
	MOVOU 112(AX), X9
	MOVOU 128(AX), X10
	MOVOU 144(AX), X11
	MOVOU 160(AX), X12
	MOVOU 176(AX), X13
	MOVOU 192(AX), X14

encloop:
	MOVOU      (SI), X1
	PXOR       X2, X1    // plaintext ⊕ round key 0, off the chain
	PXOR       X1, X0
	AESENC     X3, X0
	AESENC     X4, X0
	AESENC     X5, X0
	AESENC     X6, X0
	AESENC     X7, X0
	AESENC     X8, X0
	AESENC     X9, X0
	AESENC     X10, X0
	AESENC     X11, X0
	AESENC     X12, X0
	AESENC     X13, X0
	AESENC     X14, X0
	MOVOU      208(AX), X1
	AESENC     X1, X0
	MOVOU      224(AX), X1
	AESENCLAST X1, X0
	MOVOU      X0, (DI)
	ADDQ       $16, SI
	ADDQ       $16, DI
	DECQ       CX
	JNZ        encloop
	RET
