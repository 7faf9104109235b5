'use strict';

Object.defineProperty(exports, "__esModule", {
  value: true
});

var _factory = require('./factory');

var _factory2 = _interopRequireDefault(_factory);

var _en = require('../translations/en');

var _en2 = _interopRequireDefault(_en);

function _interopRequireDefault(obj) { return obj && obj.__esModule ? obj : { default: obj }; }

exports.default = (0, _factory2.default)(_en2.default);
module.exports = exports['default'];