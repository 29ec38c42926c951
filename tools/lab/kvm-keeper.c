// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-keeper: hold KVM's static keys steady for a whole lab run.
 *
 * KVM flips static keys when the first VM is created and the last destroyed
 * (preempt notifiers, hot in finish_task_switch), and per vCPU (APIC
 * software-disabled, vCPUs without an in-kernel APIC). Each flip is live
 * kernel text patching (int3 + sync IPIs), and under multi-threaded TCG that
 * once left the other vCPU looping on a stale int3 forever. Holding one VM
 * with an in-kernel irqchip and one without, each with a never-run vCPU,
 * keeps every such key above zero, so tests creating and destroying VMs
 * cause no patching. Started by lab-init2 with --nested; prints "ready".
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int make_vm(int kvm, int irqchip)
{
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);

	if (vm < 0)
		return -1;
	if (irqchip && ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		return -1;
	return ioctl(vm, KVM_CREATE_VCPU, 0) < 0 ? -1 : 0;
}

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0 || make_vm(kvm, 1) || make_vm(kvm, 0)) {
		fprintf(stderr, "kvm-keeper: %s\n", strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
