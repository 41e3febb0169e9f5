/** Eddy's version as the API reports it. */
export const EDDY_VERSION = "0.1.0";
