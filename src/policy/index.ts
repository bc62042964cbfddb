/** Tagging policies (the seed series' patches and the reviewers' alternatives) as data. */
export * from "./policies.js";
export { __GFP_TAGGED } from "./gfp-tagged.js";
