'use strict';
// The compiled addon (node-gyp rebuild at install). Throws when it was not built.
module.exports = require('./build/Release/vexfs_simd.node');
