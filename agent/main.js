'use strict';
require('./run')('start.sh');
