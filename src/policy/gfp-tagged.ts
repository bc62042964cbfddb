/**
 * __GFP_TAGGED: the opt-in flag of the "untagged-by-default" thought experiment (seed 001's review,
 * David Hildenbrand: "__GFP_TAGGED: if possible, return memory that is tagged and has tag checks
 * enabled"). No kernel defines it; the model gives it the first bit above a hw_tags build's
 * __GFP_BITS_MASK (bit 26) so it can never collide with a real flag. It only means something
 * while the untagged-by-default policy is on and KASAN is hw_tags; everywhere else it is ignored.
 */
export const __GFP_TAGGED = 1 << 26;
