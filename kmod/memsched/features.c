// SPDX-License-Identifier: GPL-2.0
/*
 * memsched: the features every attached VM gets, in attach order (they
 * detach in reverse). A new feature adds its ops here and its id in
 * feature.h; vm.c does not change.
 */
#include "feature.h"

const struct msched_feature_ops *const msched_features[MSCHED_NR_FEATURES] = {
	[MSCHED_FEAT_ACCESS] = &msched_kvm_access_ops,
	[MSCHED_FEAT_SAMPLE] = &msched_sample_ops,
	[MSCHED_FEAT_BALLOON] = &msched_balloon_ops,
};
