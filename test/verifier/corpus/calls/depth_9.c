// calls: main and 8 nested calls: 9 frames
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int depth_9(void)
{
	asm volatile (
	"call chain8_1\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_8(void)
{
	asm volatile (
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_7(void)
{
	asm volatile (
	"call chain8_8\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_6(void)
{
	asm volatile (
	"call chain8_7\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_5(void)
{
	asm volatile (
	"call chain8_6\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_4(void)
{
	asm volatile (
	"call chain8_5\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_3(void)
{
	asm volatile (
	"call chain8_4\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_2(void)
{
	asm volatile (
	"call chain8_3\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain8_1(void)
{
	asm volatile (
	"call chain8_2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
