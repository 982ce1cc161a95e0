// calls: main and 7 nested calls: 8 frames
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "../asm.h"

SEC("xdp")
__naked int depth_8_ok(void)
{
	asm volatile (
	"call chain7_1\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_7(void)
{
	asm volatile (
	"r0 = 0\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_6(void)
{
	asm volatile (
	"call chain7_7\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_5(void)
{
	asm volatile (
	"call chain7_6\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_4(void)
{
	asm volatile (
	"call chain7_5\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_3(void)
{
	asm volatile (
	"call chain7_4\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_2(void)
{
	asm volatile (
	"call chain7_3\n"
	"exit\n"
	:: 
	: "memory");
}

__attribute__((used)) static __naked void chain7_1(void)
{
	asm volatile (
	"call chain7_2\n"
	"exit\n"
	:: 
	: "memory");
}

char _license[] SEC("license") = "GPL";
