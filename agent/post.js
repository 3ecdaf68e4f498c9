'use strict';
require('./run')('stop.sh');
