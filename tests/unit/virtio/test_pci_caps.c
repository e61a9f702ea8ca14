/* SPDX-License-Identifier: MIT */
/*
 * Parsing the virtio PCI capability list (lib/virtio/pci_caps.c) from
 * configuration space as the device server hands it over: QEMU's layout,
 * legacy-only devices, and malformed lists (loops, pointers out of range,
 * short capabilities, bad BARs), plus random bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <uk/errors.h>
#include <virtio/pci.h>

static uint8_t cfg[256];

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void vcap(unsigned at, unsigned next, unsigned type, unsigned bar,
		 uint32_t off, uint32_t len, unsigned cap_len)
{
	uint8_t *c = cfg + at;

	c[0] = PCI_CAP_ID_VENDOR;
	c[1] = (uint8_t)next;
	c[2] = (uint8_t)cap_len;
	c[3] = (uint8_t)type;
	c[4] = (uint8_t)bar;
	put32(c + 8, off);
	put32(c + 12, len);
}

/* What QEMU 7's virtio-pci presents: MSI-X first, then the virtio
 * capabilities in BAR 4 (the PCI_CFG one included). */
static void qemu_layout(void)
{
	memset(cfg, 0, sizeof(cfg));
	cfg[0x06] = 0x10;
	cfg[0x34] = 0x98;
	cfg[0x98] = 0x11; /* MSI-X */
	cfg[0x99] = 0x84;
	vcap(0x84, 0x70, VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0, 20);
	vcap(0x70, 0x60, VIRTIO_PCI_CAP_NOTIFY, 4, 0x3000, 0x1000, 20);
	put32(cfg + 0x70 + 16, 4);
	vcap(0x60, 0x50, VIRTIO_PCI_CAP_DEVICE, 4, 0x2000, 0x1000, 16);
	vcap(0x50, 0x40, VIRTIO_PCI_CAP_ISR, 4, 0x1000, 0x1000, 16);
	vcap(0x40, 0x00, VIRTIO_PCI_CAP_COMMON, 4, 0x0000, 0x1000, 16);
}

static void parses_the_qemu_layout(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), 0);
	assert_true(l.common.present && l.notify.present && l.isr.present &&
		    l.device.present);
	assert_int_equal(l.common.bar, 4);
	assert_int_equal(l.common.offset, 0);
	assert_int_equal(l.isr.offset, 0x1000);
	assert_int_equal(l.device.offset, 0x2000);
	assert_int_equal(l.notify.offset, 0x3000);
	assert_int_equal(l.notify.length, 0x1000);
	assert_int_equal(l.notify_multiplier, 4);
}

static void a_device_without_a_capability_list_is_unsupported(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x06] = 0;
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_UNSUPPORTED);
}

static void a_legacy_only_device_is_unsupported(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x99] = 0; /* the list ends after MSI-X */
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_UNSUPPORTED);
}

static void a_loop_before_the_needed_capabilities_is_corrupt(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x71] = 0x84; /* notify points back to PCI_CFG */
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
}

static void a_loop_after_the_needed_capabilities_is_harmless(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x41] = 0x98; /* common points back to the start */
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), 0);
}

static void pointers_into_the_header_are_corrupt(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x34] = 0x10;
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
}

static void short_capabilities_are_corrupt(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x50 + 2] = 12; /* ISR shorter than struct virtio_pci_cap */
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
	qemu_layout();
	cfg[0x70 + 2] = 16; /* notify without its multiplier */
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
	qemu_layout();
	vcap(0x40, 0, VIRTIO_PCI_CAP_COMMON, 4, 0, 0x20, 16); /* too small */
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
}

static void a_capability_past_the_end_of_config_space_is_corrupt(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	/* The list starts with a 16-byte capability at 0xfc: 12 bytes of it
	 * would lie past the end of configuration space. */
	cfg[0x34] = 0xfc;
	cfg[0xfc] = PCI_CAP_ID_VENDOR;
	cfg[0xfd] = 0x98;
	cfg[0xfe] = 16;
	cfg[0xff] = VIRTIO_PCI_CAP_COMMON;
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
}

static void bad_bars_and_overflowing_ranges_are_corrupt(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	cfg[0x50 + 4] = 6;
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
	qemu_layout();
	put32(cfg + 0x50 + 8, 0xfffff000u);
	put32(cfg + 0x50 + 12, 0x2000);
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), -ERR_CORRUPT);
}

static void the_first_capability_of_a_type_wins(void **state)
{
	struct virtio_pci_layout l;

	qemu_layout();
	/* Put a second ISR capability at 0xa0, after common. */
	cfg[0x41] = 0xa0;
	vcap(0xa0, 0, VIRTIO_PCI_CAP_ISR, 2, 0x8000, 0x10, 16);
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), 0);
	assert_int_equal(l.isr.bar, 4);
	assert_int_equal(l.isr.offset, 0x1000);
}

static void layout_must_lie_inside_memory_bars(void **state)
{
	struct virtio_pci_layout l;
	struct uk_dev_res res[6] = {0};

	qemu_layout();
	assert_int_equal(virtio_pci_parse_caps(cfg, &l), 0);
	res[4] = (struct uk_dev_res){0xfe000000, 0x4000, UK_DEV_RES_MEMORY, 0};
	assert_int_equal(virtio_pci_check_layout(&l, res), 0);
	res[4].size = 0x3800; /* notify ends past the BAR */
	assert_int_equal(virtio_pci_check_layout(&l, res), -ERR_CORRUPT);
	res[4] = (struct uk_dev_res){0xc000, 0x4000, UK_DEV_RES_IO, 0};
	assert_int_equal(virtio_pci_check_layout(&l, res), -ERR_UNSUPPORTED);
	res[4] = (struct uk_dev_res){0};
	assert_int_equal(virtio_pci_check_layout(&l, res), -ERR_CORRUPT);
}

/* Random configuration spaces: never a crash (ASan), and whatever parses
 * has its three required regions with sane BARs. */
static void random_config_space_never_crashes(void **state)
{
	struct virtio_pci_layout l;
	unsigned seed = 99, ok = 0;

	for (unsigned i = 0; i < 200000; i++) {
		if (i % 2) {
			for (unsigned j = 0; j < 256; j++) {
				seed = seed * 1103515245u + 12345u;
				cfg[j] = (uint8_t)(seed >> 16);
			}
		} else {
			qemu_layout();
			for (unsigned j = 0; j < 6; j++) {
				seed = seed * 1103515245u + 12345u;
				cfg[0x34 + (seed >> 16) % 0xcc] =
				    (uint8_t)(seed >> 8);
			}
		}
		cfg[0x06] |= 0x10;
		int rc = virtio_pci_parse_caps(cfg, &l);
		assert_true(rc == 0 || rc == -ERR_CORRUPT ||
			    rc == -ERR_UNSUPPORTED);
		if (rc == 0) {
			ok++;
			assert_true(l.common.present && l.notify.present &&
				    l.isr.present);
			assert_true(l.common.bar < 6 && l.notify.bar < 6 &&
				    l.isr.bar < 6);
			assert_true(l.common.length >= VIRTIO_COMMON_LEN);
		}
	}
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_the_qemu_layout),
	    cmocka_unit_test(a_device_without_a_capability_list_is_unsupported),
	    cmocka_unit_test(a_legacy_only_device_is_unsupported),
	    cmocka_unit_test(a_loop_before_the_needed_capabilities_is_corrupt),
	    cmocka_unit_test(a_loop_after_the_needed_capabilities_is_harmless),
	    cmocka_unit_test(pointers_into_the_header_are_corrupt),
	    cmocka_unit_test(short_capabilities_are_corrupt),
	    cmocka_unit_test(
		a_capability_past_the_end_of_config_space_is_corrupt),
	    cmocka_unit_test(bad_bars_and_overflowing_ranges_are_corrupt),
	    cmocka_unit_test(the_first_capability_of_a_type_wins),
	    cmocka_unit_test(layout_must_lie_inside_memory_bars),
	    cmocka_unit_test(random_config_space_never_crashes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
