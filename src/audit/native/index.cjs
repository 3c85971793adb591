'use strict';
// The built addon, or nulls when it was not built (no compiler): callers fall back to node:crypto.
let addon = null;
try { addon = require('./build/Release/sha256_batch.node'); } catch { addon = null; }
module.exports = { firstBad: addon ? addon.firstBad : null, firstBadIn: addon ? addon.firstBadIn : null, seal: addon ? addon.seal : null };
