/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError, $TypeError = $util.global.TypeError, $String = $util.global.String, $Number = $util.global.Number, $parseInt = $util.global.parseInt, $Boolean = $util.global.Boolean, $BigInt = $util.global.BigInt, $isFinite = $util.global.isFinite, $Array = $util.global.Array;

const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const edge = $root.edge = (() => {

    const edge = {};

    edge.v1 = (function() {

        const v1 = {};

        v1.Command = (function() {

            const Command = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            Command.prototype.id = "";
            Command.prototype.kind = "";
            Command.prototype.paramsJson = "";
            Command.prototype.timeoutMs = 0;
            Command.prototype.createdAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            Command.prototype.alreadyStarted = false;
            Command.prototype.notAfterMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            Command.create = function(properties) {
                return new Command(properties);
            };

            Command.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(10).string(message.id);
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== "")
                    writer.uint32(18).string(message.kind);
                if (message.paramsJson != null && $Object.hasOwnProperty.call(message, "paramsJson") && message.paramsJson !== "")
                    writer.uint32(26).string(message.paramsJson);
                if (message.timeoutMs != null && $Object.hasOwnProperty.call(message, "timeoutMs") && message.timeoutMs !== 0)
                    writer.uint32(32).uint32(message.timeoutMs);
                if (message.createdAtMs != null && $Object.hasOwnProperty.call(message, "createdAtMs") && (typeof message.createdAtMs === "object" ? message.createdAtMs.low || message.createdAtMs.high : message.createdAtMs !== 0))
                    writer.uint32(40).int64(message.createdAtMs);
                if (message.alreadyStarted != null && $Object.hasOwnProperty.call(message, "alreadyStarted") && message.alreadyStarted !== false)
                    writer.uint32(48).bool(message.alreadyStarted);
                if (message.notAfterMs != null && $Object.hasOwnProperty.call(message, "notAfterMs") && (typeof message.notAfterMs === "object" ? message.notAfterMs.low || message.notAfterMs.high : message.notAfterMs !== 0))
                    writer.uint32(56).int64(message.notAfterMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            Command.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.Command();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.paramsJson = value;
                            else
                                delete message.paramsJson;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.timeoutMs = value;
                            else
                                delete message.timeoutMs;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.createdAtMs = value;
                            else
                                delete message.createdAtMs;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.alreadyStarted = value;
                            else
                                delete message.alreadyStarted;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.notAfterMs = value;
                            else
                                delete message.notAfterMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            Command.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.Command)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.Command: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.Command();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.kind != null)
                    if (typeof object.kind !== "string" || object.kind.length)
                        message.kind = $String(object.kind);
                if (object.paramsJson != null)
                    if (typeof object.paramsJson !== "string" || object.paramsJson.length)
                        message.paramsJson = $String(object.paramsJson);
                if (object.timeoutMs != null)
                    if ($Number(object.timeoutMs) !== 0)
                        message.timeoutMs = object.timeoutMs >>> 0;
                if (object.createdAtMs != null)
                    if (typeof object.createdAtMs === "object" ? object.createdAtMs.low || object.createdAtMs.high : $Number(object.createdAtMs) !== 0)
                        if ($util.Long)
                            message.createdAtMs = $util.Long.fromValue(object.createdAtMs, false);
                        else if (typeof object.createdAtMs === "string")
                            message.createdAtMs = $parseInt(object.createdAtMs, 10);
                        else if (typeof object.createdAtMs === "number")
                            message.createdAtMs = object.createdAtMs;
                        else if (typeof object.createdAtMs === "object")
                            message.createdAtMs = new $util.LongBits(object.createdAtMs.low >>> 0, object.createdAtMs.high >>> 0).toNumber();
                if (object.alreadyStarted != null)
                    if (object.alreadyStarted)
                        message.alreadyStarted = $Boolean(object.alreadyStarted);
                if (object.notAfterMs != null)
                    if (typeof object.notAfterMs === "object" ? object.notAfterMs.low || object.notAfterMs.high : $Number(object.notAfterMs) !== 0)
                        if ($util.Long)
                            message.notAfterMs = $util.Long.fromValue(object.notAfterMs, false);
                        else if (typeof object.notAfterMs === "string")
                            message.notAfterMs = $parseInt(object.notAfterMs, 10);
                        else if (typeof object.notAfterMs === "number")
                            message.notAfterMs = object.notAfterMs;
                        else if (typeof object.notAfterMs === "object")
                            message.notAfterMs = new $util.LongBits(object.notAfterMs.low >>> 0, object.notAfterMs.high >>> 0).toNumber();
                return message;
            };

            Command.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.kind = "";
                    object.paramsJson = "";
                    object.timeoutMs = 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.createdAtMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.createdAtMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.alreadyStarted = false;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.notAfterMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.notAfterMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind"))
                    object.kind = message.kind;
                if (message.paramsJson != null && $Object.hasOwnProperty.call(message, "paramsJson"))
                    object.paramsJson = message.paramsJson;
                if (message.timeoutMs != null && $Object.hasOwnProperty.call(message, "timeoutMs"))
                    object.timeoutMs = message.timeoutMs;
                if (message.createdAtMs != null && $Object.hasOwnProperty.call(message, "createdAtMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.createdAtMs = typeof message.createdAtMs === "number" ? $BigInt(message.createdAtMs) : $util.Long.fromBits(message.createdAtMs.low >>> 0, message.createdAtMs.high >>> 0, false).toBigInt();
                    else if (typeof message.createdAtMs === "number")
                        object.createdAtMs = options.longs === $String ? $String(message.createdAtMs) : message.createdAtMs;
                    else
                        object.createdAtMs = options.longs === $String ? $util.Long.prototype.toString.call(message.createdAtMs) : options.longs === $Number ? new $util.LongBits(message.createdAtMs.low >>> 0, message.createdAtMs.high >>> 0).toNumber() : message.createdAtMs;
                if (message.alreadyStarted != null && $Object.hasOwnProperty.call(message, "alreadyStarted"))
                    object.alreadyStarted = message.alreadyStarted;
                if (message.notAfterMs != null && $Object.hasOwnProperty.call(message, "notAfterMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.notAfterMs = typeof message.notAfterMs === "number" ? $BigInt(message.notAfterMs) : $util.Long.fromBits(message.notAfterMs.low >>> 0, message.notAfterMs.high >>> 0, false).toBigInt();
                    else if (typeof message.notAfterMs === "number")
                        object.notAfterMs = options.longs === $String ? $String(message.notAfterMs) : message.notAfterMs;
                    else
                        object.notAfterMs = options.longs === $String ? $util.Long.prototype.toString.call(message.notAfterMs) : options.longs === $Number ? new $util.LongBits(message.notAfterMs.low >>> 0, message.notAfterMs.high >>> 0).toNumber() : message.notAfterMs;
                return object;
            };

            Command.prototype.toJSON = function() {
                return Command.toObject(this, $protobuf.util.toJSONOptions);
            };

            return Command;
        })();

        v1.CommandCancel = (function() {

            const CommandCancel = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            CommandCancel.prototype.commandId = "";
            CommandCancel.prototype.reason = "";
            CommandCancel.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            CommandCancel.create = function(properties) {
                return new CommandCancel(properties);
            };

            CommandCancel.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId") && message.commandId !== "")
                    writer.uint32(10).string(message.commandId);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(18).string(message.reason);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(24).int64(message.atMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            CommandCancel.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.CommandCancel();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.commandId = value;
                            else
                                delete message.commandId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            CommandCancel.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.CommandCancel)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.CommandCancel: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.CommandCancel();
                if (object.commandId != null)
                    if (typeof object.commandId !== "string" || object.commandId.length)
                        message.commandId = $String(object.commandId);
                if (object.reason != null)
                    if (typeof object.reason !== "string" || object.reason.length)
                        message.reason = $String(object.reason);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                return message;
            };

            CommandCancel.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.commandId = "";
                    object.reason = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId"))
                    object.commandId = message.commandId;
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason"))
                    object.reason = message.reason;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                return object;
            };

            CommandCancel.prototype.toJSON = function() {
                return CommandCancel.toObject(this, $protobuf.util.toJSONOptions);
            };

            return CommandCancel;
        })();

        v1.CommandStatus = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "COMMAND_STATUS_UNSPECIFIED"] = 0;
            values[valuesById[1] = "COMMAND_STATUS_RUNNING"] = 1;
            values[valuesById[2] = "COMMAND_STATUS_COMPLETED"] = 2;
            values[valuesById[3] = "COMMAND_STATUS_FAILED"] = 3;
            values[valuesById[4] = "COMMAND_STATUS_EXPIRED"] = 4;
            return values;
        })();

        v1.CommandUpdate = (function() {

            const CommandUpdate = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            CommandUpdate.prototype.commandId = "";
            CommandUpdate.prototype.status = 0;
            CommandUpdate.prototype.error = "";
            CommandUpdate.prototype.resultJson = "";
            CommandUpdate.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            CommandUpdate.prototype.agentSeqFloor = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            CommandUpdate.prototype.agentSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            CommandUpdate.create = function(properties) {
                return new CommandUpdate(properties);
            };

            CommandUpdate.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId") && message.commandId !== "")
                    writer.uint32(10).string(message.commandId);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== 0)
                    writer.uint32(16).int32(message.status);
                if (message.error != null && $Object.hasOwnProperty.call(message, "error") && message.error !== "")
                    writer.uint32(26).string(message.error);
                if (message.resultJson != null && $Object.hasOwnProperty.call(message, "resultJson") && message.resultJson !== "")
                    writer.uint32(34).string(message.resultJson);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(40).int64(message.atMs);
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor") && (typeof message.agentSeqFloor === "object" ? message.agentSeqFloor.low || message.agentSeqFloor.high : message.agentSeqFloor !== 0))
                    writer.uint32(112).uint64(message.agentSeqFloor);
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq") && (typeof message.agentSeq === "object" ? message.agentSeq.low || message.agentSeq.high : message.agentSeq !== 0))
                    writer.uint32(120).uint64(message.agentSeq);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            CommandUpdate.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.CommandUpdate();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.commandId = value;
                            else
                                delete message.commandId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.error = value;
                            else
                                delete message.error;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.resultJson = value;
                            else
                                delete message.resultJson;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    case 14: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeqFloor = value;
                            else
                                delete message.agentSeqFloor;
                            continue;
                        }
                    case 15: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeq = value;
                            else
                                delete message.agentSeq;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            CommandUpdate.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.CommandUpdate)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.CommandUpdate: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.CommandUpdate();
                if (object.commandId != null)
                    if (typeof object.commandId !== "string" || object.commandId.length)
                        message.commandId = $String(object.commandId);
                if (object.status !== 0 && (typeof object.status !== "string" || $root.edge.v1.CommandStatus[object.status] !== 0))
                    switch (object.status) {
                    case "COMMAND_STATUS_UNSPECIFIED":
                    case 0:
                        message.status = 0;
                        break;
                    case "COMMAND_STATUS_RUNNING":
                    case 1:
                        message.status = 1;
                        break;
                    case "COMMAND_STATUS_COMPLETED":
                    case 2:
                        message.status = 2;
                        break;
                    case "COMMAND_STATUS_FAILED":
                    case 3:
                        message.status = 3;
                        break;
                    case "COMMAND_STATUS_EXPIRED":
                    case 4:
                        message.status = 4;
                        break;
                    default:
                        if (typeof object.status === "number" && (object.status | 0) === object.status)
                            message.status = object.status;
                    }
                if (object.error != null)
                    if (typeof object.error !== "string" || object.error.length)
                        message.error = $String(object.error);
                if (object.resultJson != null)
                    if (typeof object.resultJson !== "string" || object.resultJson.length)
                        message.resultJson = $String(object.resultJson);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                if (object.agentSeqFloor != null)
                    if (typeof object.agentSeqFloor === "object" ? object.agentSeqFloor.low || object.agentSeqFloor.high : $Number(object.agentSeqFloor) !== 0)
                        if ($util.Long)
                            message.agentSeqFloor = $util.Long.fromValue(object.agentSeqFloor, true);
                        else if (typeof object.agentSeqFloor === "string")
                            message.agentSeqFloor = $parseInt(object.agentSeqFloor, 10);
                        else if (typeof object.agentSeqFloor === "number")
                            message.agentSeqFloor = object.agentSeqFloor;
                        else if (typeof object.agentSeqFloor === "object")
                            message.agentSeqFloor = new $util.LongBits(object.agentSeqFloor.low >>> 0, object.agentSeqFloor.high >>> 0).toNumber(true);
                if (object.agentSeq != null)
                    if (typeof object.agentSeq === "object" ? object.agentSeq.low || object.agentSeq.high : $Number(object.agentSeq) !== 0)
                        if ($util.Long)
                            message.agentSeq = $util.Long.fromValue(object.agentSeq, true);
                        else if (typeof object.agentSeq === "string")
                            message.agentSeq = $parseInt(object.agentSeq, 10);
                        else if (typeof object.agentSeq === "number")
                            message.agentSeq = object.agentSeq;
                        else if (typeof object.agentSeq === "object")
                            message.agentSeq = new $util.LongBits(object.agentSeq.low >>> 0, object.agentSeq.high >>> 0).toNumber(true);
                return message;
            };

            CommandUpdate.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.commandId = "";
                    object.status = options.enums === $String ? "COMMAND_STATUS_UNSPECIFIED" : 0;
                    object.error = "";
                    object.resultJson = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeqFloor = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeqFloor = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId"))
                    object.commandId = message.commandId;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = options.enums === $String ? $root.edge.v1.CommandStatus[message.status] === $undefined ? message.status : $root.edge.v1.CommandStatus[message.status] : message.status;
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    object.error = message.error;
                if (message.resultJson != null && $Object.hasOwnProperty.call(message, "resultJson"))
                    object.resultJson = message.resultJson;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeqFloor = typeof message.agentSeqFloor === "number" ? $BigInt(message.agentSeqFloor) : $util.Long.fromBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeqFloor === "number")
                        object.agentSeqFloor = options.longs === $String ? $String(message.agentSeqFloor) : message.agentSeqFloor;
                    else
                        object.agentSeqFloor = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeqFloor) : options.longs === $Number ? new $util.LongBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0).toNumber(true) : message.agentSeqFloor;
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeq = typeof message.agentSeq === "number" ? $BigInt(message.agentSeq) : $util.Long.fromBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeq === "number")
                        object.agentSeq = options.longs === $String ? $String(message.agentSeq) : message.agentSeq;
                    else
                        object.agentSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeq) : options.longs === $Number ? new $util.LongBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0).toNumber(true) : message.agentSeq;
                return object;
            };

            CommandUpdate.prototype.toJSON = function() {
                return CommandUpdate.toObject(this, $protobuf.util.toJSONOptions);
            };

            return CommandUpdate;
        })();

        v1.AgentStatus = (function() {

            const AgentStatus = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            AgentStatus.prototype.agentVersion = "";
            AgentStatus.prototype.uptimeSeconds = 0;
            AgentStatus.prototype.load1 = 0;
            AgentStatus.prototype.memoryTotalBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentStatus.prototype.memoryFreeBytes = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentStatus.prototype.runningCommands = 0;
            AgentStatus.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            AgentStatus.prototype.agentSeqFloor = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentStatus.prototype.agentSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            AgentStatus.create = function(properties) {
                return new AgentStatus(properties);
            };

            AgentStatus.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                    writer.uint32(10).string(message.agentVersion);
                if (message.uptimeSeconds != null && $Object.hasOwnProperty.call(message, "uptimeSeconds") && !$Object.is(message.uptimeSeconds, 0))
                    writer.uint32(17).double(message.uptimeSeconds);
                if (message.load1 != null && $Object.hasOwnProperty.call(message, "load1") && !$Object.is(message.load1, 0))
                    writer.uint32(25).double(message.load1);
                if (message.memoryTotalBytes != null && $Object.hasOwnProperty.call(message, "memoryTotalBytes") && (typeof message.memoryTotalBytes === "object" ? message.memoryTotalBytes.low || message.memoryTotalBytes.high : message.memoryTotalBytes !== 0))
                    writer.uint32(32).uint64(message.memoryTotalBytes);
                if (message.memoryFreeBytes != null && $Object.hasOwnProperty.call(message, "memoryFreeBytes") && (typeof message.memoryFreeBytes === "object" ? message.memoryFreeBytes.low || message.memoryFreeBytes.high : message.memoryFreeBytes !== 0))
                    writer.uint32(40).uint64(message.memoryFreeBytes);
                if (message.runningCommands != null && $Object.hasOwnProperty.call(message, "runningCommands") && message.runningCommands !== 0)
                    writer.uint32(48).uint32(message.runningCommands);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(56).int64(message.atMs);
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor") && (typeof message.agentSeqFloor === "object" ? message.agentSeqFloor.low || message.agentSeqFloor.high : message.agentSeqFloor !== 0))
                    writer.uint32(112).uint64(message.agentSeqFloor);
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq") && (typeof message.agentSeq === "object" ? message.agentSeq.low || message.agentSeq.high : message.agentSeq !== 0))
                    writer.uint32(120).uint64(message.agentSeq);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            AgentStatus.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.AgentStatus();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.agentVersion = value;
                            else
                                delete message.agentVersion;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.uptimeSeconds = value;
                            else
                                delete message.uptimeSeconds;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.load1 = value;
                            else
                                delete message.load1;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.memoryTotalBytes = value;
                            else
                                delete message.memoryTotalBytes;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.memoryFreeBytes = value;
                            else
                                delete message.memoryFreeBytes;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.runningCommands = value;
                            else
                                delete message.runningCommands;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    case 14: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeqFloor = value;
                            else
                                delete message.agentSeqFloor;
                            continue;
                        }
                    case 15: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeq = value;
                            else
                                delete message.agentSeq;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            AgentStatus.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.AgentStatus)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.AgentStatus: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.AgentStatus();
                if (object.agentVersion != null)
                    if (typeof object.agentVersion !== "string" || object.agentVersion.length)
                        message.agentVersion = $String(object.agentVersion);
                if (object.uptimeSeconds != null)
                    if (!$Object.is($Number(object.uptimeSeconds), 0))
                        message.uptimeSeconds = $Number(object.uptimeSeconds);
                if (object.load1 != null)
                    if (!$Object.is($Number(object.load1), 0))
                        message.load1 = $Number(object.load1);
                if (object.memoryTotalBytes != null)
                    if (typeof object.memoryTotalBytes === "object" ? object.memoryTotalBytes.low || object.memoryTotalBytes.high : $Number(object.memoryTotalBytes) !== 0)
                        if ($util.Long)
                            message.memoryTotalBytes = $util.Long.fromValue(object.memoryTotalBytes, true);
                        else if (typeof object.memoryTotalBytes === "string")
                            message.memoryTotalBytes = $parseInt(object.memoryTotalBytes, 10);
                        else if (typeof object.memoryTotalBytes === "number")
                            message.memoryTotalBytes = object.memoryTotalBytes;
                        else if (typeof object.memoryTotalBytes === "object")
                            message.memoryTotalBytes = new $util.LongBits(object.memoryTotalBytes.low >>> 0, object.memoryTotalBytes.high >>> 0).toNumber(true);
                if (object.memoryFreeBytes != null)
                    if (typeof object.memoryFreeBytes === "object" ? object.memoryFreeBytes.low || object.memoryFreeBytes.high : $Number(object.memoryFreeBytes) !== 0)
                        if ($util.Long)
                            message.memoryFreeBytes = $util.Long.fromValue(object.memoryFreeBytes, true);
                        else if (typeof object.memoryFreeBytes === "string")
                            message.memoryFreeBytes = $parseInt(object.memoryFreeBytes, 10);
                        else if (typeof object.memoryFreeBytes === "number")
                            message.memoryFreeBytes = object.memoryFreeBytes;
                        else if (typeof object.memoryFreeBytes === "object")
                            message.memoryFreeBytes = new $util.LongBits(object.memoryFreeBytes.low >>> 0, object.memoryFreeBytes.high >>> 0).toNumber(true);
                if (object.runningCommands != null)
                    if ($Number(object.runningCommands) !== 0)
                        message.runningCommands = object.runningCommands >>> 0;
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                if (object.agentSeqFloor != null)
                    if (typeof object.agentSeqFloor === "object" ? object.agentSeqFloor.low || object.agentSeqFloor.high : $Number(object.agentSeqFloor) !== 0)
                        if ($util.Long)
                            message.agentSeqFloor = $util.Long.fromValue(object.agentSeqFloor, true);
                        else if (typeof object.agentSeqFloor === "string")
                            message.agentSeqFloor = $parseInt(object.agentSeqFloor, 10);
                        else if (typeof object.agentSeqFloor === "number")
                            message.agentSeqFloor = object.agentSeqFloor;
                        else if (typeof object.agentSeqFloor === "object")
                            message.agentSeqFloor = new $util.LongBits(object.agentSeqFloor.low >>> 0, object.agentSeqFloor.high >>> 0).toNumber(true);
                if (object.agentSeq != null)
                    if (typeof object.agentSeq === "object" ? object.agentSeq.low || object.agentSeq.high : $Number(object.agentSeq) !== 0)
                        if ($util.Long)
                            message.agentSeq = $util.Long.fromValue(object.agentSeq, true);
                        else if (typeof object.agentSeq === "string")
                            message.agentSeq = $parseInt(object.agentSeq, 10);
                        else if (typeof object.agentSeq === "number")
                            message.agentSeq = object.agentSeq;
                        else if (typeof object.agentSeq === "object")
                            message.agentSeq = new $util.LongBits(object.agentSeq.low >>> 0, object.agentSeq.high >>> 0).toNumber(true);
                return message;
            };

            AgentStatus.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.agentVersion = "";
                    object.uptimeSeconds = 0;
                    object.load1 = 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.memoryTotalBytes = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.memoryTotalBytes = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.memoryFreeBytes = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.memoryFreeBytes = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.runningCommands = 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeqFloor = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeqFloor = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion"))
                    object.agentVersion = message.agentVersion;
                if (message.uptimeSeconds != null && $Object.hasOwnProperty.call(message, "uptimeSeconds"))
                    object.uptimeSeconds = options.json && !$isFinite(message.uptimeSeconds) ? $String(message.uptimeSeconds) : message.uptimeSeconds;
                if (message.load1 != null && $Object.hasOwnProperty.call(message, "load1"))
                    object.load1 = options.json && !$isFinite(message.load1) ? $String(message.load1) : message.load1;
                if (message.memoryTotalBytes != null && $Object.hasOwnProperty.call(message, "memoryTotalBytes"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.memoryTotalBytes = typeof message.memoryTotalBytes === "number" ? $BigInt(message.memoryTotalBytes) : $util.Long.fromBits(message.memoryTotalBytes.low >>> 0, message.memoryTotalBytes.high >>> 0, true).toBigInt();
                    else if (typeof message.memoryTotalBytes === "number")
                        object.memoryTotalBytes = options.longs === $String ? $String(message.memoryTotalBytes) : message.memoryTotalBytes;
                    else
                        object.memoryTotalBytes = options.longs === $String ? $util.Long.prototype.toString.call(message.memoryTotalBytes) : options.longs === $Number ? new $util.LongBits(message.memoryTotalBytes.low >>> 0, message.memoryTotalBytes.high >>> 0).toNumber(true) : message.memoryTotalBytes;
                if (message.memoryFreeBytes != null && $Object.hasOwnProperty.call(message, "memoryFreeBytes"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.memoryFreeBytes = typeof message.memoryFreeBytes === "number" ? $BigInt(message.memoryFreeBytes) : $util.Long.fromBits(message.memoryFreeBytes.low >>> 0, message.memoryFreeBytes.high >>> 0, true).toBigInt();
                    else if (typeof message.memoryFreeBytes === "number")
                        object.memoryFreeBytes = options.longs === $String ? $String(message.memoryFreeBytes) : message.memoryFreeBytes;
                    else
                        object.memoryFreeBytes = options.longs === $String ? $util.Long.prototype.toString.call(message.memoryFreeBytes) : options.longs === $Number ? new $util.LongBits(message.memoryFreeBytes.low >>> 0, message.memoryFreeBytes.high >>> 0).toNumber(true) : message.memoryFreeBytes;
                if (message.runningCommands != null && $Object.hasOwnProperty.call(message, "runningCommands"))
                    object.runningCommands = message.runningCommands;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeqFloor = typeof message.agentSeqFloor === "number" ? $BigInt(message.agentSeqFloor) : $util.Long.fromBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeqFloor === "number")
                        object.agentSeqFloor = options.longs === $String ? $String(message.agentSeqFloor) : message.agentSeqFloor;
                    else
                        object.agentSeqFloor = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeqFloor) : options.longs === $Number ? new $util.LongBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0).toNumber(true) : message.agentSeqFloor;
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeq = typeof message.agentSeq === "number" ? $BigInt(message.agentSeq) : $util.Long.fromBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeq === "number")
                        object.agentSeq = options.longs === $String ? $String(message.agentSeq) : message.agentSeq;
                    else
                        object.agentSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeq) : options.longs === $Number ? new $util.LongBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0).toNumber(true) : message.agentSeq;
                return object;
            };

            AgentStatus.prototype.toJSON = function() {
                return AgentStatus.toObject(this, $protobuf.util.toJSONOptions);
            };

            return AgentStatus;
        })();

        v1.TelemetryPoint = (function() {

            const TelemetryPoint = function (properties) {
                this.tags = {};
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            TelemetryPoint.prototype.name = "";
            TelemetryPoint.prototype.value = 0;
            TelemetryPoint.prototype.tags = $util.emptyObject;
            TelemetryPoint.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            TelemetryPoint.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            TelemetryPoint.create = function(properties) {
                return new TelemetryPoint(properties);
            };

            TelemetryPoint.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(10).string(message.name);
                if (message.value != null && $Object.hasOwnProperty.call(message, "value") && !$Object.is(message.value, 0))
                    writer.uint32(17).double(message.value);
                if (message.tags != null && $Object.hasOwnProperty.call(message, "tags"))
                    for (let keys = $Object.keys(message.tags), i = 0; i < keys.length; ++i)
                        writer.uint32(26).fork().uint32(10).string(keys[i]).uint32(18).string(message.tags[keys[i]]).ldelim();
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(32).int64(message.atMs);
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && (typeof message.seq === "object" ? message.seq.low || message.seq.high : message.seq !== 0))
                    writer.uint32(40).uint64(message.seq);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            TelemetryPoint.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, key, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.TelemetryPoint();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 1)
                                break;
                            if (!$Object.is(value = reader.double(), 0))
                                message.value = value;
                            else
                                delete message.value;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (message.tags === $util.emptyObject)
                                message.tags = {};
                            let end2 = reader.size() + reader.pos;
                            if (end2 > reader.len)
                                throw $RangeError("index out of range");
                            reader.len = end2;
                            key = "";
                            value = "";
                            while (reader.pos < end2) {
                                let tag2 = reader.tag();
                                wireType = tag2 & 7;
                                switch (tag2 >>>= 3) {
                                case 1:
                                    if (wireType !== 2)
                                        break;
                                    key = reader.stringVerify();
                                    continue;
                                case 2:
                                    if (wireType !== 2)
                                        break;
                                    value = reader.stringVerify();
                                    continue;
                                }
                                reader.skipType(wireType, _depth, tag2);
                            }
                            if (reader.pos !== end2)
                                throw $RangeError("index out of range");
                            reader.len = end;
                            if (key === "__proto__")
                                $util.makeProp(message.tags, key);
                            message.tags[key] = value;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            TelemetryPoint.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.TelemetryPoint)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.TelemetryPoint: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.TelemetryPoint();
                if (object.name != null)
                    if (typeof object.name !== "string" || object.name.length)
                        message.name = $String(object.name);
                if (object.value != null)
                    if (!$Object.is($Number(object.value), 0))
                        message.value = $Number(object.value);
                if (object.tags) {
                    if (!$util.isObject(object.tags))
                        throw $TypeError(".edge.v1.TelemetryPoint.tags: object expected");
                    message.tags = {};
                    for (let keys = $Object.keys(object.tags), i = 0; i < keys.length; ++i) {
                        if (keys[i] === "__proto__")
                            $util.makeProp(message.tags, keys[i]);
                        message.tags[keys[i]] = $String(object.tags[keys[i]]);
                    }
                }
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                if (object.seq != null)
                    if (typeof object.seq === "object" ? object.seq.low || object.seq.high : $Number(object.seq) !== 0)
                        if ($util.Long)
                            message.seq = $util.Long.fromValue(object.seq, true);
                        else if (typeof object.seq === "string")
                            message.seq = $parseInt(object.seq, 10);
                        else if (typeof object.seq === "number")
                            message.seq = object.seq;
                        else if (typeof object.seq === "object")
                            message.seq = new $util.LongBits(object.seq.low >>> 0, object.seq.high >>> 0).toNumber(true);
                return message;
            };

            TelemetryPoint.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.objects || options.defaults)
                    object.tags = {};
                if (options.defaults) {
                    object.name = "";
                    object.value = 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.seq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.seq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                    object.name = message.name;
                if (message.value != null && $Object.hasOwnProperty.call(message, "value"))
                    object.value = options.json && !$isFinite(message.value) ? $String(message.value) : message.value;
                let keys2;
                if (message.tags && (keys2 = $Object.keys(message.tags)).length) {
                    object.tags = {};
                    for (let j = 0; j < keys2.length; ++j) {
                        if (keys2[j] === "__proto__")
                            $util.makeProp(object.tags, keys2[j]);
                        object.tags[keys2[j]] = message.tags[keys2[j]];
                    }
                }
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.seq = typeof message.seq === "number" ? $BigInt(message.seq) : $util.Long.fromBits(message.seq.low >>> 0, message.seq.high >>> 0, true).toBigInt();
                    else if (typeof message.seq === "number")
                        object.seq = options.longs === $String ? $String(message.seq) : message.seq;
                    else
                        object.seq = options.longs === $String ? $util.Long.prototype.toString.call(message.seq) : options.longs === $Number ? new $util.LongBits(message.seq.low >>> 0, message.seq.high >>> 0).toNumber(true) : message.seq;
                return object;
            };

            TelemetryPoint.prototype.toJSON = function() {
                return TelemetryPoint.toObject(this, $protobuf.util.toJSONOptions);
            };

            return TelemetryPoint;
        })();

        v1.TelemetryBatch = (function() {

            const TelemetryBatch = function (properties) {
                this.points = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            TelemetryBatch.prototype.points = $util.emptyArray;
            TelemetryBatch.prototype.agentSeqFloor = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            TelemetryBatch.prototype.agentSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            TelemetryBatch.create = function(properties) {
                return new TelemetryBatch(properties);
            };

            TelemetryBatch.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.points != null && message.points.length)
                    for (let i = 0; i < message.points.length; ++i)
                        $root.edge.v1.TelemetryPoint.encode(message.points[i], writer.uint32(10).fork(), _depth + 1).ldelim();
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor") && (typeof message.agentSeqFloor === "object" ? message.agentSeqFloor.low || message.agentSeqFloor.high : message.agentSeqFloor !== 0))
                    writer.uint32(112).uint64(message.agentSeqFloor);
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq") && (typeof message.agentSeq === "object" ? message.agentSeq.low || message.agentSeq.high : message.agentSeq !== 0))
                    writer.uint32(120).uint64(message.agentSeq);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            TelemetryBatch.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.TelemetryBatch();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.points && message.points.length))
                                message.points = [];
                            message.points.push($root.edge.v1.TelemetryPoint.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 14: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeqFloor = value;
                            else
                                delete message.agentSeqFloor;
                            continue;
                        }
                    case 15: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeq = value;
                            else
                                delete message.agentSeq;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            TelemetryBatch.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.TelemetryBatch)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.TelemetryBatch: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.TelemetryBatch();
                if (object.points) {
                    if (!$Array.isArray(object.points))
                        throw $TypeError(".edge.v1.TelemetryBatch.points: array expected");
                    message.points = $Array(object.points.length);
                    for (let i = 0; i < object.points.length; ++i) {
                        if (!$util.isObject(object.points[i]))
                            throw $TypeError(".edge.v1.TelemetryBatch.points: object expected");
                        message.points[i] = $root.edge.v1.TelemetryPoint.fromObject(object.points[i], _depth + 1);
                    }
                }
                if (object.agentSeqFloor != null)
                    if (typeof object.agentSeqFloor === "object" ? object.agentSeqFloor.low || object.agentSeqFloor.high : $Number(object.agentSeqFloor) !== 0)
                        if ($util.Long)
                            message.agentSeqFloor = $util.Long.fromValue(object.agentSeqFloor, true);
                        else if (typeof object.agentSeqFloor === "string")
                            message.agentSeqFloor = $parseInt(object.agentSeqFloor, 10);
                        else if (typeof object.agentSeqFloor === "number")
                            message.agentSeqFloor = object.agentSeqFloor;
                        else if (typeof object.agentSeqFloor === "object")
                            message.agentSeqFloor = new $util.LongBits(object.agentSeqFloor.low >>> 0, object.agentSeqFloor.high >>> 0).toNumber(true);
                if (object.agentSeq != null)
                    if (typeof object.agentSeq === "object" ? object.agentSeq.low || object.agentSeq.high : $Number(object.agentSeq) !== 0)
                        if ($util.Long)
                            message.agentSeq = $util.Long.fromValue(object.agentSeq, true);
                        else if (typeof object.agentSeq === "string")
                            message.agentSeq = $parseInt(object.agentSeq, 10);
                        else if (typeof object.agentSeq === "number")
                            message.agentSeq = object.agentSeq;
                        else if (typeof object.agentSeq === "object")
                            message.agentSeq = new $util.LongBits(object.agentSeq.low >>> 0, object.agentSeq.high >>> 0).toNumber(true);
                return message;
            };

            TelemetryBatch.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.points = [];
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeqFloor = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeqFloor = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.points && message.points.length) {
                    object.points = $Array(message.points.length);
                    for (let j = 0; j < message.points.length; ++j)
                        object.points[j] = $root.edge.v1.TelemetryPoint.toObject(message.points[j], options, _depth + 1);
                }
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeqFloor = typeof message.agentSeqFloor === "number" ? $BigInt(message.agentSeqFloor) : $util.Long.fromBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeqFloor === "number")
                        object.agentSeqFloor = options.longs === $String ? $String(message.agentSeqFloor) : message.agentSeqFloor;
                    else
                        object.agentSeqFloor = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeqFloor) : options.longs === $Number ? new $util.LongBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0).toNumber(true) : message.agentSeqFloor;
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeq = typeof message.agentSeq === "number" ? $BigInt(message.agentSeq) : $util.Long.fromBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeq === "number")
                        object.agentSeq = options.longs === $String ? $String(message.agentSeq) : message.agentSeq;
                    else
                        object.agentSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeq) : options.longs === $Number ? new $util.LongBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0).toNumber(true) : message.agentSeq;
                return object;
            };

            TelemetryBatch.prototype.toJSON = function() {
                return TelemetryBatch.toObject(this, $protobuf.util.toJSONOptions);
            };

            return TelemetryBatch;
        })();

        v1.Receipt = (function() {

            const Receipt = function (properties) {
                this.seqs = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            Receipt.prototype.throughSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            Receipt.prototype.seqs = $util.emptyArray;

            Receipt.create = function(properties) {
                return new Receipt(properties);
            };

            Receipt.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.throughSeq != null && $Object.hasOwnProperty.call(message, "throughSeq") && (typeof message.throughSeq === "object" ? message.throughSeq.low || message.throughSeq.high : message.throughSeq !== 0))
                    writer.uint32(8).uint64(message.throughSeq);
                if (message.seqs != null && message.seqs.length)
                    writer.uint32(18).uint64s(message.seqs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            Receipt.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.Receipt();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.throughSeq = value;
                            else
                                delete message.throughSeq;
                            continue;
                        }
                    case 2: {
                            if (wireType === 2) {
                                if (!(message.seqs && message.seqs.length))
                                    message.seqs = [];
                                reader.uint64s(message.seqs);
                                continue;
                            }
                            if (wireType !== 0)
                                break;
                            if (!(message.seqs && message.seqs.length))
                                message.seqs = [];
                            message.seqs.push(reader.uint64());
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            Receipt.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.Receipt)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.Receipt: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.Receipt();
                if (object.throughSeq != null)
                    if (typeof object.throughSeq === "object" ? object.throughSeq.low || object.throughSeq.high : $Number(object.throughSeq) !== 0)
                        if ($util.Long)
                            message.throughSeq = $util.Long.fromValue(object.throughSeq, true);
                        else if (typeof object.throughSeq === "string")
                            message.throughSeq = $parseInt(object.throughSeq, 10);
                        else if (typeof object.throughSeq === "number")
                            message.throughSeq = object.throughSeq;
                        else if (typeof object.throughSeq === "object")
                            message.throughSeq = new $util.LongBits(object.throughSeq.low >>> 0, object.throughSeq.high >>> 0).toNumber(true);
                if (object.seqs) {
                    if (!$Array.isArray(object.seqs))
                        throw $TypeError(".edge.v1.Receipt.seqs: array expected");
                    message.seqs = $Array(object.seqs.length);
                    for (let i = 0; i < object.seqs.length; ++i)
                        if ($util.Long)
                            message.seqs[i] = $util.Long.fromValue(object.seqs[i], true);
                        else if (typeof object.seqs[i] === "string")
                            message.seqs[i] = $parseInt(object.seqs[i], 10);
                        else if (typeof object.seqs[i] === "number")
                            message.seqs[i] = object.seqs[i];
                        else if (typeof object.seqs[i] === "object")
                            message.seqs[i] = new $util.LongBits(object.seqs[i].low >>> 0, object.seqs[i].high >>> 0).toNumber(true);
                }
                return message;
            };

            Receipt.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.seqs = [];
                if (options.defaults)
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.throughSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.throughSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                if (message.throughSeq != null && $Object.hasOwnProperty.call(message, "throughSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.throughSeq = typeof message.throughSeq === "number" ? $BigInt(message.throughSeq) : $util.Long.fromBits(message.throughSeq.low >>> 0, message.throughSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.throughSeq === "number")
                        object.throughSeq = options.longs === $String ? $String(message.throughSeq) : message.throughSeq;
                    else
                        object.throughSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.throughSeq) : options.longs === $Number ? new $util.LongBits(message.throughSeq.low >>> 0, message.throughSeq.high >>> 0).toNumber(true) : message.throughSeq;
                if (message.seqs && message.seqs.length) {
                    object.seqs = $Array(message.seqs.length);
                    for (let j = 0; j < message.seqs.length; ++j)
                        if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                            object.seqs[j] = typeof message.seqs[j] === "number" ? $BigInt(message.seqs[j]) : $util.Long.fromBits(message.seqs[j].low >>> 0, message.seqs[j].high >>> 0, true).toBigInt();
                        else if (typeof message.seqs[j] === "number")
                            object.seqs[j] = options.longs === $String ? $String(message.seqs[j]) : message.seqs[j];
                        else
                            object.seqs[j] = options.longs === $String ? $util.Long.prototype.toString.call(message.seqs[j]) : options.longs === $Number ? new $util.LongBits(message.seqs[j].low >>> 0, message.seqs[j].high >>> 0).toNumber(true) : message.seqs[j];
                }
                return object;
            };

            Receipt.prototype.toJSON = function() {
                return Receipt.toObject(this, $protobuf.util.toJSONOptions);
            };

            return Receipt;
        })();

        v1.CommandLog = (function() {

            const CommandLog = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            CommandLog.prototype.commandId = "";
            CommandLog.prototype.stream = "";
            CommandLog.prototype.line = "";
            CommandLog.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            CommandLog.prototype.index = 0;
            CommandLog.prototype.agentSeqFloor = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            CommandLog.prototype.agentSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            CommandLog.create = function(properties) {
                return new CommandLog(properties);
            };

            CommandLog.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId") && message.commandId !== "")
                    writer.uint32(10).string(message.commandId);
                if (message.stream != null && $Object.hasOwnProperty.call(message, "stream") && message.stream !== "")
                    writer.uint32(18).string(message.stream);
                if (message.line != null && $Object.hasOwnProperty.call(message, "line") && message.line !== "")
                    writer.uint32(26).string(message.line);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(32).int64(message.atMs);
                if (message.index != null && $Object.hasOwnProperty.call(message, "index") && message.index !== 0)
                    writer.uint32(40).uint32(message.index);
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor") && (typeof message.agentSeqFloor === "object" ? message.agentSeqFloor.low || message.agentSeqFloor.high : message.agentSeqFloor !== 0))
                    writer.uint32(112).uint64(message.agentSeqFloor);
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq") && (typeof message.agentSeq === "object" ? message.agentSeq.low || message.agentSeq.high : message.agentSeq !== 0))
                    writer.uint32(120).uint64(message.agentSeq);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            CommandLog.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.CommandLog();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.commandId = value;
                            else
                                delete message.commandId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.stream = value;
                            else
                                delete message.stream;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.line = value;
                            else
                                delete message.line;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.index = value;
                            else
                                delete message.index;
                            continue;
                        }
                    case 14: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeqFloor = value;
                            else
                                delete message.agentSeqFloor;
                            continue;
                        }
                    case 15: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.agentSeq = value;
                            else
                                delete message.agentSeq;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            CommandLog.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.CommandLog)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.CommandLog: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.CommandLog();
                if (object.commandId != null)
                    if (typeof object.commandId !== "string" || object.commandId.length)
                        message.commandId = $String(object.commandId);
                if (object.stream != null)
                    if (typeof object.stream !== "string" || object.stream.length)
                        message.stream = $String(object.stream);
                if (object.line != null)
                    if (typeof object.line !== "string" || object.line.length)
                        message.line = $String(object.line);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                if (object.index != null)
                    if ($Number(object.index) !== 0)
                        message.index = object.index >>> 0;
                if (object.agentSeqFloor != null)
                    if (typeof object.agentSeqFloor === "object" ? object.agentSeqFloor.low || object.agentSeqFloor.high : $Number(object.agentSeqFloor) !== 0)
                        if ($util.Long)
                            message.agentSeqFloor = $util.Long.fromValue(object.agentSeqFloor, true);
                        else if (typeof object.agentSeqFloor === "string")
                            message.agentSeqFloor = $parseInt(object.agentSeqFloor, 10);
                        else if (typeof object.agentSeqFloor === "number")
                            message.agentSeqFloor = object.agentSeqFloor;
                        else if (typeof object.agentSeqFloor === "object")
                            message.agentSeqFloor = new $util.LongBits(object.agentSeqFloor.low >>> 0, object.agentSeqFloor.high >>> 0).toNumber(true);
                if (object.agentSeq != null)
                    if (typeof object.agentSeq === "object" ? object.agentSeq.low || object.agentSeq.high : $Number(object.agentSeq) !== 0)
                        if ($util.Long)
                            message.agentSeq = $util.Long.fromValue(object.agentSeq, true);
                        else if (typeof object.agentSeq === "string")
                            message.agentSeq = $parseInt(object.agentSeq, 10);
                        else if (typeof object.agentSeq === "number")
                            message.agentSeq = object.agentSeq;
                        else if (typeof object.agentSeq === "object")
                            message.agentSeq = new $util.LongBits(object.agentSeq.low >>> 0, object.agentSeq.high >>> 0).toNumber(true);
                return message;
            };

            CommandLog.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.commandId = "";
                    object.stream = "";
                    object.line = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.index = 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeqFloor = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeqFloor = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.agentSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.agentSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId"))
                    object.commandId = message.commandId;
                if (message.stream != null && $Object.hasOwnProperty.call(message, "stream"))
                    object.stream = message.stream;
                if (message.line != null && $Object.hasOwnProperty.call(message, "line"))
                    object.line = message.line;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                if (message.index != null && $Object.hasOwnProperty.call(message, "index"))
                    object.index = message.index;
                if (message.agentSeqFloor != null && $Object.hasOwnProperty.call(message, "agentSeqFloor"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeqFloor = typeof message.agentSeqFloor === "number" ? $BigInt(message.agentSeqFloor) : $util.Long.fromBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeqFloor === "number")
                        object.agentSeqFloor = options.longs === $String ? $String(message.agentSeqFloor) : message.agentSeqFloor;
                    else
                        object.agentSeqFloor = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeqFloor) : options.longs === $Number ? new $util.LongBits(message.agentSeqFloor.low >>> 0, message.agentSeqFloor.high >>> 0).toNumber(true) : message.agentSeqFloor;
                if (message.agentSeq != null && $Object.hasOwnProperty.call(message, "agentSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.agentSeq = typeof message.agentSeq === "number" ? $BigInt(message.agentSeq) : $util.Long.fromBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.agentSeq === "number")
                        object.agentSeq = options.longs === $String ? $String(message.agentSeq) : message.agentSeq;
                    else
                        object.agentSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.agentSeq) : options.longs === $Number ? new $util.LongBits(message.agentSeq.low >>> 0, message.agentSeq.high >>> 0).toNumber(true) : message.agentSeq;
                return object;
            };

            CommandLog.prototype.toJSON = function() {
                return CommandLog.toObject(this, $protobuf.util.toJSONOptions);
            };

            return CommandLog;
        })();

        v1.PresenceState = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "PRESENCE_STATE_UNSPECIFIED"] = 0;
            values[valuesById[1] = "PRESENCE_STATE_ONLINE"] = 1;
            values[valuesById[2] = "PRESENCE_STATE_OFFLINE"] = 2;
            return values;
        })();

        v1.Presence = (function() {

            const Presence = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            Presence.prototype.state = 0;
            Presence.prototype.agentVersion = "";
            Presence.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            Presence.create = function(properties) {
                return new Presence(properties);
            };

            Presence.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.state != null && $Object.hasOwnProperty.call(message, "state") && message.state !== 0)
                    writer.uint32(8).int32(message.state);
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                    writer.uint32(18).string(message.agentVersion);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(24).int64(message.atMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            Presence.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.Presence();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.int32())
                                message.state = value;
                            else
                                delete message.state;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.agentVersion = value;
                            else
                                delete message.agentVersion;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            Presence.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.Presence)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.Presence: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.Presence();
                if (object.state !== 0 && (typeof object.state !== "string" || $root.edge.v1.PresenceState[object.state] !== 0))
                    switch (object.state) {
                    case "PRESENCE_STATE_UNSPECIFIED":
                    case 0:
                        message.state = 0;
                        break;
                    case "PRESENCE_STATE_ONLINE":
                    case 1:
                        message.state = 1;
                        break;
                    case "PRESENCE_STATE_OFFLINE":
                    case 2:
                        message.state = 2;
                        break;
                    default:
                        if (typeof object.state === "number" && (object.state | 0) === object.state)
                            message.state = object.state;
                    }
                if (object.agentVersion != null)
                    if (typeof object.agentVersion !== "string" || object.agentVersion.length)
                        message.agentVersion = $String(object.agentVersion);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                return message;
            };

            Presence.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.state = options.enums === $String ? "PRESENCE_STATE_UNSPECIFIED" : 0;
                    object.agentVersion = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.state != null && $Object.hasOwnProperty.call(message, "state"))
                    object.state = options.enums === $String ? $root.edge.v1.PresenceState[message.state] === $undefined ? message.state : $root.edge.v1.PresenceState[message.state] : message.state;
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion"))
                    object.agentVersion = message.agentVersion;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                return object;
            };

            Presence.prototype.toJSON = function() {
                return Presence.toObject(this, $protobuf.util.toJSONOptions);
            };

            return Presence;
        })();

        v1.SafetyPolicy = (function() {

            const SafetyPolicy = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            SafetyPolicy.prototype.id = "";
            SafetyPolicy.prototype.name = "";
            SafetyPolicy.prototype.enabled = false;
            SafetyPolicy.prototype.rulesJson = "";
            SafetyPolicy.prototype.version = 0;

            SafetyPolicy.create = function(properties) {
                return new SafetyPolicy(properties);
            };

            SafetyPolicy.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(10).string(message.id);
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(18).string(message.name);
                if (message.enabled != null && $Object.hasOwnProperty.call(message, "enabled") && message.enabled !== false)
                    writer.uint32(24).bool(message.enabled);
                if (message.rulesJson != null && $Object.hasOwnProperty.call(message, "rulesJson") && message.rulesJson !== "")
                    writer.uint32(34).string(message.rulesJson);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && message.version !== 0)
                    writer.uint32(40).uint32(message.version);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            SafetyPolicy.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.SafetyPolicy();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.enabled = value;
                            else
                                delete message.enabled;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.rulesJson = value;
                            else
                                delete message.rulesJson;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            SafetyPolicy.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.SafetyPolicy)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.SafetyPolicy: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.SafetyPolicy();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.name != null)
                    if (typeof object.name !== "string" || object.name.length)
                        message.name = $String(object.name);
                if (object.enabled != null)
                    if (object.enabled)
                        message.enabled = $Boolean(object.enabled);
                if (object.rulesJson != null)
                    if (typeof object.rulesJson !== "string" || object.rulesJson.length)
                        message.rulesJson = $String(object.rulesJson);
                if (object.version != null)
                    if ($Number(object.version) !== 0)
                        message.version = object.version >>> 0;
                return message;
            };

            SafetyPolicy.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.name = "";
                    object.enabled = false;
                    object.rulesJson = "";
                    object.version = 0;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                    object.name = message.name;
                if (message.enabled != null && $Object.hasOwnProperty.call(message, "enabled"))
                    object.enabled = message.enabled;
                if (message.rulesJson != null && $Object.hasOwnProperty.call(message, "rulesJson"))
                    object.rulesJson = message.rulesJson;
                if (message.version != null && $Object.hasOwnProperty.call(message, "version"))
                    object.version = message.version;
                return object;
            };

            SafetyPolicy.prototype.toJSON = function() {
                return SafetyPolicy.toObject(this, $protobuf.util.toJSONOptions);
            };

            return SafetyPolicy;
        })();

        v1.PolicySet = (function() {

            const PolicySet = function (properties) {
                this.policies = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            PolicySet.prototype.policies = $util.emptyArray;
            PolicySet.prototype.issuedAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            PolicySet.prototype.version = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            PolicySet.create = function(properties) {
                return new PolicySet(properties);
            };

            PolicySet.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.policies != null && message.policies.length)
                    for (let i = 0; i < message.policies.length; ++i)
                        $root.edge.v1.SafetyPolicy.encode(message.policies[i], writer.uint32(10).fork(), _depth + 1).ldelim();
                if (message.issuedAtMs != null && $Object.hasOwnProperty.call(message, "issuedAtMs") && (typeof message.issuedAtMs === "object" ? message.issuedAtMs.low || message.issuedAtMs.high : message.issuedAtMs !== 0))
                    writer.uint32(16).int64(message.issuedAtMs);
                if (message.version != null && $Object.hasOwnProperty.call(message, "version") && (typeof message.version === "object" ? message.version.low || message.version.high : message.version !== 0))
                    writer.uint32(24).uint64(message.version);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            PolicySet.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.PolicySet();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.policies && message.policies.length))
                                message.policies = [];
                            message.policies.push($root.edge.v1.SafetyPolicy.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.issuedAtMs = value;
                            else
                                delete message.issuedAtMs;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.version = value;
                            else
                                delete message.version;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            PolicySet.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.PolicySet)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.PolicySet: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.PolicySet();
                if (object.policies) {
                    if (!$Array.isArray(object.policies))
                        throw $TypeError(".edge.v1.PolicySet.policies: array expected");
                    message.policies = $Array(object.policies.length);
                    for (let i = 0; i < object.policies.length; ++i) {
                        if (!$util.isObject(object.policies[i]))
                            throw $TypeError(".edge.v1.PolicySet.policies: object expected");
                        message.policies[i] = $root.edge.v1.SafetyPolicy.fromObject(object.policies[i], _depth + 1);
                    }
                }
                if (object.issuedAtMs != null)
                    if (typeof object.issuedAtMs === "object" ? object.issuedAtMs.low || object.issuedAtMs.high : $Number(object.issuedAtMs) !== 0)
                        if ($util.Long)
                            message.issuedAtMs = $util.Long.fromValue(object.issuedAtMs, false);
                        else if (typeof object.issuedAtMs === "string")
                            message.issuedAtMs = $parseInt(object.issuedAtMs, 10);
                        else if (typeof object.issuedAtMs === "number")
                            message.issuedAtMs = object.issuedAtMs;
                        else if (typeof object.issuedAtMs === "object")
                            message.issuedAtMs = new $util.LongBits(object.issuedAtMs.low >>> 0, object.issuedAtMs.high >>> 0).toNumber();
                if (object.version != null)
                    if (typeof object.version === "object" ? object.version.low || object.version.high : $Number(object.version) !== 0)
                        if ($util.Long)
                            message.version = $util.Long.fromValue(object.version, true);
                        else if (typeof object.version === "string")
                            message.version = $parseInt(object.version, 10);
                        else if (typeof object.version === "number")
                            message.version = object.version;
                        else if (typeof object.version === "object")
                            message.version = new $util.LongBits(object.version.low >>> 0, object.version.high >>> 0).toNumber(true);
                return message;
            };

            PolicySet.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults)
                    object.policies = [];
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.issuedAtMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.issuedAtMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.version = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.version = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.policies && message.policies.length) {
                    object.policies = $Array(message.policies.length);
                    for (let j = 0; j < message.policies.length; ++j)
                        object.policies[j] = $root.edge.v1.SafetyPolicy.toObject(message.policies[j], options, _depth + 1);
                }
                if (message.issuedAtMs != null && $Object.hasOwnProperty.call(message, "issuedAtMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.issuedAtMs = typeof message.issuedAtMs === "number" ? $BigInt(message.issuedAtMs) : $util.Long.fromBits(message.issuedAtMs.low >>> 0, message.issuedAtMs.high >>> 0, false).toBigInt();
                    else if (typeof message.issuedAtMs === "number")
                        object.issuedAtMs = options.longs === $String ? $String(message.issuedAtMs) : message.issuedAtMs;
                    else
                        object.issuedAtMs = options.longs === $String ? $util.Long.prototype.toString.call(message.issuedAtMs) : options.longs === $Number ? new $util.LongBits(message.issuedAtMs.low >>> 0, message.issuedAtMs.high >>> 0).toNumber() : message.issuedAtMs;
                if (message.version != null && $Object.hasOwnProperty.call(message, "version"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.version = typeof message.version === "number" ? $BigInt(message.version) : $util.Long.fromBits(message.version.low >>> 0, message.version.high >>> 0, true).toBigInt();
                    else if (typeof message.version === "number")
                        object.version = options.longs === $String ? $String(message.version) : message.version;
                    else
                        object.version = options.longs === $String ? $util.Long.prototype.toString.call(message.version) : options.longs === $Number ? new $util.LongBits(message.version.low >>> 0, message.version.high >>> 0).toNumber(true) : message.version;
                return object;
            };

            PolicySet.prototype.toJSON = function() {
                return PolicySet.toObject(this, $protobuf.util.toJSONOptions);
            };

            return PolicySet;
        })();

        v1.EmergencyStop = (function() {

            const EmergencyStop = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            EmergencyStop.prototype.generation = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            EmergencyStop.prototype.engaged = false;
            EmergencyStop.prototype.reason = "";
            EmergencyStop.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            EmergencyStop.create = function(properties) {
                return new EmergencyStop(properties);
            };

            EmergencyStop.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.generation != null && $Object.hasOwnProperty.call(message, "generation") && (typeof message.generation === "object" ? message.generation.low || message.generation.high : message.generation !== 0))
                    writer.uint32(8).uint64(message.generation);
                if (message.engaged != null && $Object.hasOwnProperty.call(message, "engaged") && message.engaged !== false)
                    writer.uint32(16).bool(message.engaged);
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason") && message.reason !== "")
                    writer.uint32(26).string(message.reason);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(32).int64(message.atMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            EmergencyStop.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.EmergencyStop();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.generation = value;
                            else
                                delete message.generation;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.engaged = value;
                            else
                                delete message.engaged;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reason = value;
                            else
                                delete message.reason;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            EmergencyStop.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.EmergencyStop)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.EmergencyStop: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.EmergencyStop();
                if (object.generation != null)
                    if (typeof object.generation === "object" ? object.generation.low || object.generation.high : $Number(object.generation) !== 0)
                        if ($util.Long)
                            message.generation = $util.Long.fromValue(object.generation, true);
                        else if (typeof object.generation === "string")
                            message.generation = $parseInt(object.generation, 10);
                        else if (typeof object.generation === "number")
                            message.generation = object.generation;
                        else if (typeof object.generation === "object")
                            message.generation = new $util.LongBits(object.generation.low >>> 0, object.generation.high >>> 0).toNumber(true);
                if (object.engaged != null)
                    if (object.engaged)
                        message.engaged = $Boolean(object.engaged);
                if (object.reason != null)
                    if (typeof object.reason !== "string" || object.reason.length)
                        message.reason = $String(object.reason);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                return message;
            };

            EmergencyStop.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.generation = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.generation = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.engaged = false;
                    object.reason = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.generation != null && $Object.hasOwnProperty.call(message, "generation"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.generation = typeof message.generation === "number" ? $BigInt(message.generation) : $util.Long.fromBits(message.generation.low >>> 0, message.generation.high >>> 0, true).toBigInt();
                    else if (typeof message.generation === "number")
                        object.generation = options.longs === $String ? $String(message.generation) : message.generation;
                    else
                        object.generation = options.longs === $String ? $util.Long.prototype.toString.call(message.generation) : options.longs === $Number ? new $util.LongBits(message.generation.low >>> 0, message.generation.high >>> 0).toNumber(true) : message.generation;
                if (message.engaged != null && $Object.hasOwnProperty.call(message, "engaged"))
                    object.engaged = message.engaged;
                if (message.reason != null && $Object.hasOwnProperty.call(message, "reason"))
                    object.reason = message.reason;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                return object;
            };

            EmergencyStop.prototype.toJSON = function() {
                return EmergencyStop.toObject(this, $protobuf.util.toJSONOptions);
            };

            return EmergencyStop;
        })();

        v1.AgentSafetyState = (function() {

            const AgentSafetyState = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            AgentSafetyState.prototype.estopGeneration = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentSafetyState.prototype.remoteEngaged = false;
            AgentSafetyState.prototype.localEngaged = false;
            AgentSafetyState.prototype.localReason = "";
            AgentSafetyState.prototype.killed = 0;
            AgentSafetyState.prototype.policyVersion = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentSafetyState.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            AgentSafetyState.create = function(properties) {
                return new AgentSafetyState(properties);
            };

            AgentSafetyState.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.estopGeneration != null && $Object.hasOwnProperty.call(message, "estopGeneration") && (typeof message.estopGeneration === "object" ? message.estopGeneration.low || message.estopGeneration.high : message.estopGeneration !== 0))
                    writer.uint32(8).uint64(message.estopGeneration);
                if (message.remoteEngaged != null && $Object.hasOwnProperty.call(message, "remoteEngaged") && message.remoteEngaged !== false)
                    writer.uint32(16).bool(message.remoteEngaged);
                if (message.localEngaged != null && $Object.hasOwnProperty.call(message, "localEngaged") && message.localEngaged !== false)
                    writer.uint32(24).bool(message.localEngaged);
                if (message.localReason != null && $Object.hasOwnProperty.call(message, "localReason") && message.localReason !== "")
                    writer.uint32(34).string(message.localReason);
                if (message.killed != null && $Object.hasOwnProperty.call(message, "killed") && message.killed !== 0)
                    writer.uint32(40).uint32(message.killed);
                if (message.policyVersion != null && $Object.hasOwnProperty.call(message, "policyVersion") && (typeof message.policyVersion === "object" ? message.policyVersion.low || message.policyVersion.high : message.policyVersion !== 0))
                    writer.uint32(48).uint64(message.policyVersion);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(56).int64(message.atMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            AgentSafetyState.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.AgentSafetyState();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.estopGeneration = value;
                            else
                                delete message.estopGeneration;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.remoteEngaged = value;
                            else
                                delete message.remoteEngaged;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.localEngaged = value;
                            else
                                delete message.localEngaged;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.localReason = value;
                            else
                                delete message.localReason;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.killed = value;
                            else
                                delete message.killed;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.policyVersion = value;
                            else
                                delete message.policyVersion;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            AgentSafetyState.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.AgentSafetyState)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.AgentSafetyState: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.AgentSafetyState();
                if (object.estopGeneration != null)
                    if (typeof object.estopGeneration === "object" ? object.estopGeneration.low || object.estopGeneration.high : $Number(object.estopGeneration) !== 0)
                        if ($util.Long)
                            message.estopGeneration = $util.Long.fromValue(object.estopGeneration, true);
                        else if (typeof object.estopGeneration === "string")
                            message.estopGeneration = $parseInt(object.estopGeneration, 10);
                        else if (typeof object.estopGeneration === "number")
                            message.estopGeneration = object.estopGeneration;
                        else if (typeof object.estopGeneration === "object")
                            message.estopGeneration = new $util.LongBits(object.estopGeneration.low >>> 0, object.estopGeneration.high >>> 0).toNumber(true);
                if (object.remoteEngaged != null)
                    if (object.remoteEngaged)
                        message.remoteEngaged = $Boolean(object.remoteEngaged);
                if (object.localEngaged != null)
                    if (object.localEngaged)
                        message.localEngaged = $Boolean(object.localEngaged);
                if (object.localReason != null)
                    if (typeof object.localReason !== "string" || object.localReason.length)
                        message.localReason = $String(object.localReason);
                if (object.killed != null)
                    if ($Number(object.killed) !== 0)
                        message.killed = object.killed >>> 0;
                if (object.policyVersion != null)
                    if (typeof object.policyVersion === "object" ? object.policyVersion.low || object.policyVersion.high : $Number(object.policyVersion) !== 0)
                        if ($util.Long)
                            message.policyVersion = $util.Long.fromValue(object.policyVersion, true);
                        else if (typeof object.policyVersion === "string")
                            message.policyVersion = $parseInt(object.policyVersion, 10);
                        else if (typeof object.policyVersion === "number")
                            message.policyVersion = object.policyVersion;
                        else if (typeof object.policyVersion === "object")
                            message.policyVersion = new $util.LongBits(object.policyVersion.low >>> 0, object.policyVersion.high >>> 0).toNumber(true);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                return message;
            };

            AgentSafetyState.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.estopGeneration = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.estopGeneration = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.remoteEngaged = false;
                    object.localEngaged = false;
                    object.localReason = "";
                    object.killed = 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.policyVersion = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.policyVersion = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.estopGeneration != null && $Object.hasOwnProperty.call(message, "estopGeneration"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.estopGeneration = typeof message.estopGeneration === "number" ? $BigInt(message.estopGeneration) : $util.Long.fromBits(message.estopGeneration.low >>> 0, message.estopGeneration.high >>> 0, true).toBigInt();
                    else if (typeof message.estopGeneration === "number")
                        object.estopGeneration = options.longs === $String ? $String(message.estopGeneration) : message.estopGeneration;
                    else
                        object.estopGeneration = options.longs === $String ? $util.Long.prototype.toString.call(message.estopGeneration) : options.longs === $Number ? new $util.LongBits(message.estopGeneration.low >>> 0, message.estopGeneration.high >>> 0).toNumber(true) : message.estopGeneration;
                if (message.remoteEngaged != null && $Object.hasOwnProperty.call(message, "remoteEngaged"))
                    object.remoteEngaged = message.remoteEngaged;
                if (message.localEngaged != null && $Object.hasOwnProperty.call(message, "localEngaged"))
                    object.localEngaged = message.localEngaged;
                if (message.localReason != null && $Object.hasOwnProperty.call(message, "localReason"))
                    object.localReason = message.localReason;
                if (message.killed != null && $Object.hasOwnProperty.call(message, "killed"))
                    object.killed = message.killed;
                if (message.policyVersion != null && $Object.hasOwnProperty.call(message, "policyVersion"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.policyVersion = typeof message.policyVersion === "number" ? $BigInt(message.policyVersion) : $util.Long.fromBits(message.policyVersion.low >>> 0, message.policyVersion.high >>> 0, true).toBigInt();
                    else if (typeof message.policyVersion === "number")
                        object.policyVersion = options.longs === $String ? $String(message.policyVersion) : message.policyVersion;
                    else
                        object.policyVersion = options.longs === $String ? $util.Long.prototype.toString.call(message.policyVersion) : options.longs === $Number ? new $util.LongBits(message.policyVersion.low >>> 0, message.policyVersion.high >>> 0).toNumber(true) : message.policyVersion;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                return object;
            };

            AgentSafetyState.prototype.toJSON = function() {
                return AgentSafetyState.toObject(this, $protobuf.util.toJSONOptions);
            };

            return AgentSafetyState;
        })();

        v1.RuntimeRequest = (function() {

            const RuntimeRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            RuntimeRequest.prototype.id = "";
            RuntimeRequest.prototype.method = "";
            RuntimeRequest.prototype.path = "";
            RuntimeRequest.prototype.body = $util.newBuffer([]);
            RuntimeRequest.prototype.contentType = "";
            RuntimeRequest.prototype.deadlineMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            RuntimeRequest.create = function(properties) {
                return new RuntimeRequest(properties);
            };

            RuntimeRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(10).string(message.id);
                if (message.method != null && $Object.hasOwnProperty.call(message, "method") && message.method !== "")
                    writer.uint32(18).string(message.method);
                if (message.path != null && $Object.hasOwnProperty.call(message, "path") && message.path !== "")
                    writer.uint32(26).string(message.path);
                if (message.body != null && $Object.hasOwnProperty.call(message, "body") && message.body.length)
                    writer.uint32(34).bytes(message.body);
                if (message.contentType != null && $Object.hasOwnProperty.call(message, "contentType") && message.contentType !== "")
                    writer.uint32(42).string(message.contentType);
                if (message.deadlineMs != null && $Object.hasOwnProperty.call(message, "deadlineMs") && (typeof message.deadlineMs === "object" ? message.deadlineMs.low || message.deadlineMs.high : message.deadlineMs !== 0))
                    writer.uint32(48).int64(message.deadlineMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            RuntimeRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.RuntimeRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.method = value;
                            else
                                delete message.method;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.path = value;
                            else
                                delete message.path;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.body = value;
                            else
                                delete message.body;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.contentType = value;
                            else
                                delete message.contentType;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.deadlineMs = value;
                            else
                                delete message.deadlineMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            RuntimeRequest.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.RuntimeRequest)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.RuntimeRequest: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.RuntimeRequest();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.method != null)
                    if (typeof object.method !== "string" || object.method.length)
                        message.method = $String(object.method);
                if (object.path != null)
                    if (typeof object.path !== "string" || object.path.length)
                        message.path = $String(object.path);
                if (object.body != null)
                    if (object.body.length)
                        if (typeof object.body === "string")
                            $util.base64.decode(object.body, message.body = $util.newBuffer($util.base64.length(object.body)), 0);
                        else if (object.body.length >= 0)
                            message.body = object.body;
                if (object.contentType != null)
                    if (typeof object.contentType !== "string" || object.contentType.length)
                        message.contentType = $String(object.contentType);
                if (object.deadlineMs != null)
                    if (typeof object.deadlineMs === "object" ? object.deadlineMs.low || object.deadlineMs.high : $Number(object.deadlineMs) !== 0)
                        if ($util.Long)
                            message.deadlineMs = $util.Long.fromValue(object.deadlineMs, false);
                        else if (typeof object.deadlineMs === "string")
                            message.deadlineMs = $parseInt(object.deadlineMs, 10);
                        else if (typeof object.deadlineMs === "number")
                            message.deadlineMs = object.deadlineMs;
                        else if (typeof object.deadlineMs === "object")
                            message.deadlineMs = new $util.LongBits(object.deadlineMs.low >>> 0, object.deadlineMs.high >>> 0).toNumber();
                return message;
            };

            RuntimeRequest.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.method = "";
                    object.path = "";
                    if (options.bytes === $String)
                        object.body = "";
                    else {
                        object.body = [];
                        if (options.bytes !== $Array)
                            object.body = $util.newBuffer(object.body);
                    }
                    object.contentType = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.deadlineMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.deadlineMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.method != null && $Object.hasOwnProperty.call(message, "method"))
                    object.method = message.method;
                if (message.path != null && $Object.hasOwnProperty.call(message, "path"))
                    object.path = message.path;
                if (message.body != null && $Object.hasOwnProperty.call(message, "body"))
                    object.body = options.bytes === $String ? $util.base64.encode(message.body, 0, message.body.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.body) : message.body;
                if (message.contentType != null && $Object.hasOwnProperty.call(message, "contentType"))
                    object.contentType = message.contentType;
                if (message.deadlineMs != null && $Object.hasOwnProperty.call(message, "deadlineMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.deadlineMs = typeof message.deadlineMs === "number" ? $BigInt(message.deadlineMs) : $util.Long.fromBits(message.deadlineMs.low >>> 0, message.deadlineMs.high >>> 0, false).toBigInt();
                    else if (typeof message.deadlineMs === "number")
                        object.deadlineMs = options.longs === $String ? $String(message.deadlineMs) : message.deadlineMs;
                    else
                        object.deadlineMs = options.longs === $String ? $util.Long.prototype.toString.call(message.deadlineMs) : options.longs === $Number ? new $util.LongBits(message.deadlineMs.low >>> 0, message.deadlineMs.high >>> 0).toNumber() : message.deadlineMs;
                return object;
            };

            RuntimeRequest.prototype.toJSON = function() {
                return RuntimeRequest.toObject(this, $protobuf.util.toJSONOptions);
            };

            return RuntimeRequest;
        })();

        v1.RuntimeResponse = (function() {

            const RuntimeResponse = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            RuntimeResponse.prototype.id = "";
            RuntimeResponse.prototype.part = 0;
            RuntimeResponse.prototype.status = 0;
            RuntimeResponse.prototype.contentType = "";
            RuntimeResponse.prototype.chunk = $util.newBuffer([]);
            RuntimeResponse.prototype.end = false;

            RuntimeResponse.create = function(properties) {
                return new RuntimeResponse(properties);
            };

            RuntimeResponse.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(10).string(message.id);
                if (message.part != null && $Object.hasOwnProperty.call(message, "part") && message.part !== 0)
                    writer.uint32(16).uint32(message.part);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== 0)
                    writer.uint32(24).uint32(message.status);
                if (message.contentType != null && $Object.hasOwnProperty.call(message, "contentType") && message.contentType !== "")
                    writer.uint32(34).string(message.contentType);
                if (message.chunk != null && $Object.hasOwnProperty.call(message, "chunk") && message.chunk.length)
                    writer.uint32(42).bytes(message.chunk);
                if (message.end != null && $Object.hasOwnProperty.call(message, "end") && message.end !== false)
                    writer.uint32(48).bool(message.end);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            RuntimeResponse.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.RuntimeResponse();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.part = value;
                            else
                                delete message.part;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.contentType = value;
                            else
                                delete message.contentType;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.chunk = value;
                            else
                                delete message.chunk;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.end = value;
                            else
                                delete message.end;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            RuntimeResponse.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.RuntimeResponse)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.RuntimeResponse: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.RuntimeResponse();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.part != null)
                    if ($Number(object.part) !== 0)
                        message.part = object.part >>> 0;
                if (object.status != null)
                    if ($Number(object.status) !== 0)
                        message.status = object.status >>> 0;
                if (object.contentType != null)
                    if (typeof object.contentType !== "string" || object.contentType.length)
                        message.contentType = $String(object.contentType);
                if (object.chunk != null)
                    if (object.chunk.length)
                        if (typeof object.chunk === "string")
                            $util.base64.decode(object.chunk, message.chunk = $util.newBuffer($util.base64.length(object.chunk)), 0);
                        else if (object.chunk.length >= 0)
                            message.chunk = object.chunk;
                if (object.end != null)
                    if (object.end)
                        message.end = $Boolean(object.end);
                return message;
            };

            RuntimeResponse.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.part = 0;
                    object.status = 0;
                    object.contentType = "";
                    if (options.bytes === $String)
                        object.chunk = "";
                    else {
                        object.chunk = [];
                        if (options.bytes !== $Array)
                            object.chunk = $util.newBuffer(object.chunk);
                    }
                    object.end = false;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.part != null && $Object.hasOwnProperty.call(message, "part"))
                    object.part = message.part;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = message.status;
                if (message.contentType != null && $Object.hasOwnProperty.call(message, "contentType"))
                    object.contentType = message.contentType;
                if (message.chunk != null && $Object.hasOwnProperty.call(message, "chunk"))
                    object.chunk = options.bytes === $String ? $util.base64.encode(message.chunk, 0, message.chunk.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.chunk) : message.chunk;
                if (message.end != null && $Object.hasOwnProperty.call(message, "end"))
                    object.end = message.end;
                return object;
            };

            RuntimeResponse.prototype.toJSON = function() {
                return RuntimeResponse.toObject(this, $protobuf.util.toJSONOptions);
            };

            return RuntimeResponse;
        })();

        v1.AgentFrame = (function() {

            const AgentFrame = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            AgentFrame.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentFrame.prototype.seqFloor = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            AgentFrame.prototype.hello = null;
            AgentFrame.prototype.update = null;
            AgentFrame.prototype.status = null;
            AgentFrame.prototype.telemetry = null;
            AgentFrame.prototype.log = null;
            AgentFrame.prototype.safety = null;
            AgentFrame.prototype.commandLog = null;
            AgentFrame.prototype.runtimeResponse = null;
            AgentFrame.prototype.ptyOutput = null;

            let $oneOfFields;

            $Object.defineProperty(AgentFrame.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["hello", "update", "status", "telemetry", "log", "safety", "commandLog", "runtimeResponse", "ptyOutput"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            AgentFrame.create = function(properties) {
                return new AgentFrame(properties);
            };

            AgentFrame.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && (typeof message.seq === "object" ? message.seq.low || message.seq.high : message.seq !== 0))
                    writer.uint32(8).uint64(message.seq);
                if (message.seqFloor != null && $Object.hasOwnProperty.call(message, "seqFloor") && (typeof message.seqFloor === "object" ? message.seqFloor.low || message.seqFloor.high : message.seqFloor !== 0))
                    writer.uint32(16).uint64(message.seqFloor);
                if (message.hello != null && $Object.hasOwnProperty.call(message, "hello"))
                    $root.edge.v1.SessionHello.encode(message.hello, writer.uint32(82).fork(), _depth + 1).ldelim();
                if (message.update != null && $Object.hasOwnProperty.call(message, "update"))
                    $root.edge.v1.CommandUpdate.encode(message.update, writer.uint32(90).fork(), _depth + 1).ldelim();
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    $root.edge.v1.AgentStatus.encode(message.status, writer.uint32(98).fork(), _depth + 1).ldelim();
                if (message.telemetry != null && $Object.hasOwnProperty.call(message, "telemetry"))
                    $root.edge.v1.TelemetryBatch.encode(message.telemetry, writer.uint32(106).fork(), _depth + 1).ldelim();
                if (message.log != null && $Object.hasOwnProperty.call(message, "log"))
                    $root.edge.v1.LogLine.encode(message.log, writer.uint32(114).fork(), _depth + 1).ldelim();
                if (message.safety != null && $Object.hasOwnProperty.call(message, "safety"))
                    $root.edge.v1.AgentSafetyState.encode(message.safety, writer.uint32(122).fork(), _depth + 1).ldelim();
                if (message.commandLog != null && $Object.hasOwnProperty.call(message, "commandLog"))
                    $root.edge.v1.CommandLog.encode(message.commandLog, writer.uint32(130).fork(), _depth + 1).ldelim();
                if (message.runtimeResponse != null && $Object.hasOwnProperty.call(message, "runtimeResponse"))
                    $root.edge.v1.RuntimeResponse.encode(message.runtimeResponse, writer.uint32(138).fork(), _depth + 1).ldelim();
                if (message.ptyOutput != null && $Object.hasOwnProperty.call(message, "ptyOutput"))
                    $root.edge.v1.PtyOutput.encode(message.ptyOutput, writer.uint32(146).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            AgentFrame.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.AgentFrame();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.seqFloor = value;
                            else
                                delete message.seqFloor;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            message.hello = $root.edge.v1.SessionHello.decode(reader, reader.size(), $undefined, _depth + 1, message.hello);
                            message.body = "hello";
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.update = $root.edge.v1.CommandUpdate.decode(reader, reader.size(), $undefined, _depth + 1, message.update);
                            message.body = "update";
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            message.status = $root.edge.v1.AgentStatus.decode(reader, reader.size(), $undefined, _depth + 1, message.status);
                            message.body = "status";
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            message.telemetry = $root.edge.v1.TelemetryBatch.decode(reader, reader.size(), $undefined, _depth + 1, message.telemetry);
                            message.body = "telemetry";
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            message.log = $root.edge.v1.LogLine.decode(reader, reader.size(), $undefined, _depth + 1, message.log);
                            message.body = "log";
                            continue;
                        }
                    case 15: {
                            if (wireType !== 2)
                                break;
                            message.safety = $root.edge.v1.AgentSafetyState.decode(reader, reader.size(), $undefined, _depth + 1, message.safety);
                            message.body = "safety";
                            continue;
                        }
                    case 16: {
                            if (wireType !== 2)
                                break;
                            message.commandLog = $root.edge.v1.CommandLog.decode(reader, reader.size(), $undefined, _depth + 1, message.commandLog);
                            message.body = "commandLog";
                            continue;
                        }
                    case 17: {
                            if (wireType !== 2)
                                break;
                            message.runtimeResponse = $root.edge.v1.RuntimeResponse.decode(reader, reader.size(), $undefined, _depth + 1, message.runtimeResponse);
                            message.body = "runtimeResponse";
                            continue;
                        }
                    case 18: {
                            if (wireType !== 2)
                                break;
                            message.ptyOutput = $root.edge.v1.PtyOutput.decode(reader, reader.size(), $undefined, _depth + 1, message.ptyOutput);
                            message.body = "ptyOutput";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            AgentFrame.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.AgentFrame)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.AgentFrame: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.AgentFrame();
                if (object.seq != null)
                    if (typeof object.seq === "object" ? object.seq.low || object.seq.high : $Number(object.seq) !== 0)
                        if ($util.Long)
                            message.seq = $util.Long.fromValue(object.seq, true);
                        else if (typeof object.seq === "string")
                            message.seq = $parseInt(object.seq, 10);
                        else if (typeof object.seq === "number")
                            message.seq = object.seq;
                        else if (typeof object.seq === "object")
                            message.seq = new $util.LongBits(object.seq.low >>> 0, object.seq.high >>> 0).toNumber(true);
                if (object.seqFloor != null)
                    if (typeof object.seqFloor === "object" ? object.seqFloor.low || object.seqFloor.high : $Number(object.seqFloor) !== 0)
                        if ($util.Long)
                            message.seqFloor = $util.Long.fromValue(object.seqFloor, true);
                        else if (typeof object.seqFloor === "string")
                            message.seqFloor = $parseInt(object.seqFloor, 10);
                        else if (typeof object.seqFloor === "number")
                            message.seqFloor = object.seqFloor;
                        else if (typeof object.seqFloor === "object")
                            message.seqFloor = new $util.LongBits(object.seqFloor.low >>> 0, object.seqFloor.high >>> 0).toNumber(true);
                if (object.hello != null) {
                    if (!$util.isObject(object.hello))
                        throw $TypeError(".edge.v1.AgentFrame.hello: object expected");
                    message.hello = $root.edge.v1.SessionHello.fromObject(object.hello, _depth + 1);
                }
                if (object.update != null) {
                    if (!$util.isObject(object.update))
                        throw $TypeError(".edge.v1.AgentFrame.update: object expected");
                    message.update = $root.edge.v1.CommandUpdate.fromObject(object.update, _depth + 1);
                }
                if (object.status != null) {
                    if (!$util.isObject(object.status))
                        throw $TypeError(".edge.v1.AgentFrame.status: object expected");
                    message.status = $root.edge.v1.AgentStatus.fromObject(object.status, _depth + 1);
                }
                if (object.telemetry != null) {
                    if (!$util.isObject(object.telemetry))
                        throw $TypeError(".edge.v1.AgentFrame.telemetry: object expected");
                    message.telemetry = $root.edge.v1.TelemetryBatch.fromObject(object.telemetry, _depth + 1);
                }
                if (object.log != null) {
                    if (!$util.isObject(object.log))
                        throw $TypeError(".edge.v1.AgentFrame.log: object expected");
                    message.log = $root.edge.v1.LogLine.fromObject(object.log, _depth + 1);
                }
                if (object.safety != null) {
                    if (!$util.isObject(object.safety))
                        throw $TypeError(".edge.v1.AgentFrame.safety: object expected");
                    message.safety = $root.edge.v1.AgentSafetyState.fromObject(object.safety, _depth + 1);
                }
                if (object.commandLog != null) {
                    if (!$util.isObject(object.commandLog))
                        throw $TypeError(".edge.v1.AgentFrame.commandLog: object expected");
                    message.commandLog = $root.edge.v1.CommandLog.fromObject(object.commandLog, _depth + 1);
                }
                if (object.runtimeResponse != null) {
                    if (!$util.isObject(object.runtimeResponse))
                        throw $TypeError(".edge.v1.AgentFrame.runtimeResponse: object expected");
                    message.runtimeResponse = $root.edge.v1.RuntimeResponse.fromObject(object.runtimeResponse, _depth + 1);
                }
                if (object.ptyOutput != null) {
                    if (!$util.isObject(object.ptyOutput))
                        throw $TypeError(".edge.v1.AgentFrame.ptyOutput: object expected");
                    message.ptyOutput = $root.edge.v1.PtyOutput.fromObject(object.ptyOutput, _depth + 1);
                }
                return message;
            };

            AgentFrame.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.seq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.seq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.seqFloor = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.seqFloor = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.seq = typeof message.seq === "number" ? $BigInt(message.seq) : $util.Long.fromBits(message.seq.low >>> 0, message.seq.high >>> 0, true).toBigInt();
                    else if (typeof message.seq === "number")
                        object.seq = options.longs === $String ? $String(message.seq) : message.seq;
                    else
                        object.seq = options.longs === $String ? $util.Long.prototype.toString.call(message.seq) : options.longs === $Number ? new $util.LongBits(message.seq.low >>> 0, message.seq.high >>> 0).toNumber(true) : message.seq;
                if (message.seqFloor != null && $Object.hasOwnProperty.call(message, "seqFloor"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.seqFloor = typeof message.seqFloor === "number" ? $BigInt(message.seqFloor) : $util.Long.fromBits(message.seqFloor.low >>> 0, message.seqFloor.high >>> 0, true).toBigInt();
                    else if (typeof message.seqFloor === "number")
                        object.seqFloor = options.longs === $String ? $String(message.seqFloor) : message.seqFloor;
                    else
                        object.seqFloor = options.longs === $String ? $util.Long.prototype.toString.call(message.seqFloor) : options.longs === $Number ? new $util.LongBits(message.seqFloor.low >>> 0, message.seqFloor.high >>> 0).toNumber(true) : message.seqFloor;
                if (message.hello != null && $Object.hasOwnProperty.call(message, "hello")) {
                    object.hello = $root.edge.v1.SessionHello.toObject(message.hello, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "hello";
                }
                if (message.update != null && $Object.hasOwnProperty.call(message, "update")) {
                    object.update = $root.edge.v1.CommandUpdate.toObject(message.update, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "update";
                }
                if (message.status != null && $Object.hasOwnProperty.call(message, "status")) {
                    object.status = $root.edge.v1.AgentStatus.toObject(message.status, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "status";
                }
                if (message.telemetry != null && $Object.hasOwnProperty.call(message, "telemetry")) {
                    object.telemetry = $root.edge.v1.TelemetryBatch.toObject(message.telemetry, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "telemetry";
                }
                if (message.log != null && $Object.hasOwnProperty.call(message, "log")) {
                    object.log = $root.edge.v1.LogLine.toObject(message.log, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "log";
                }
                if (message.safety != null && $Object.hasOwnProperty.call(message, "safety")) {
                    object.safety = $root.edge.v1.AgentSafetyState.toObject(message.safety, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "safety";
                }
                if (message.commandLog != null && $Object.hasOwnProperty.call(message, "commandLog")) {
                    object.commandLog = $root.edge.v1.CommandLog.toObject(message.commandLog, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "commandLog";
                }
                if (message.runtimeResponse != null && $Object.hasOwnProperty.call(message, "runtimeResponse")) {
                    object.runtimeResponse = $root.edge.v1.RuntimeResponse.toObject(message.runtimeResponse, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "runtimeResponse";
                }
                if (message.ptyOutput != null && $Object.hasOwnProperty.call(message, "ptyOutput")) {
                    object.ptyOutput = $root.edge.v1.PtyOutput.toObject(message.ptyOutput, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "ptyOutput";
                }
                return object;
            };

            AgentFrame.prototype.toJSON = function() {
                return AgentFrame.toObject(this, $protobuf.util.toJSONOptions);
            };

            return AgentFrame;
        })();

        v1.SessionHello = (function() {

            const SessionHello = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            SessionHello.prototype.agentVersion = "";

            SessionHello.create = function(properties) {
                return new SessionHello(properties);
            };

            SessionHello.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion") && message.agentVersion !== "")
                    writer.uint32(10).string(message.agentVersion);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            SessionHello.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.SessionHello();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.agentVersion = value;
                            else
                                delete message.agentVersion;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            SessionHello.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.SessionHello)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.SessionHello: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.SessionHello();
                if (object.agentVersion != null)
                    if (typeof object.agentVersion !== "string" || object.agentVersion.length)
                        message.agentVersion = $String(object.agentVersion);
                return message;
            };

            SessionHello.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults)
                    object.agentVersion = "";
                if (message.agentVersion != null && $Object.hasOwnProperty.call(message, "agentVersion"))
                    object.agentVersion = message.agentVersion;
                return object;
            };

            SessionHello.prototype.toJSON = function() {
                return SessionHello.toObject(this, $protobuf.util.toJSONOptions);
            };

            return SessionHello;
        })();

        v1.ServerFrame = (function() {

            const ServerFrame = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            ServerFrame.prototype.welcome = null;
            ServerFrame.prototype.command = null;
            ServerFrame.prototype.ack = null;
            ServerFrame.prototype.cancel = null;
            ServerFrame.prototype.estop = null;
            ServerFrame.prototype.runtimeRequest = null;
            ServerFrame.prototype.ptyInput = null;

            let $oneOfFields;

            $Object.defineProperty(ServerFrame.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["welcome", "command", "ack", "cancel", "estop", "runtimeRequest", "ptyInput"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            ServerFrame.create = function(properties) {
                return new ServerFrame(properties);
            };

            ServerFrame.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.welcome != null && $Object.hasOwnProperty.call(message, "welcome"))
                    $root.edge.v1.SessionWelcome.encode(message.welcome, writer.uint32(82).fork(), _depth + 1).ldelim();
                if (message.command != null && $Object.hasOwnProperty.call(message, "command"))
                    $root.edge.v1.Command.encode(message.command, writer.uint32(90).fork(), _depth + 1).ldelim();
                if (message.ack != null && $Object.hasOwnProperty.call(message, "ack"))
                    $root.edge.v1.AgentAck.encode(message.ack, writer.uint32(98).fork(), _depth + 1).ldelim();
                if (message.cancel != null && $Object.hasOwnProperty.call(message, "cancel"))
                    $root.edge.v1.CommandCancel.encode(message.cancel, writer.uint32(106).fork(), _depth + 1).ldelim();
                if (message.estop != null && $Object.hasOwnProperty.call(message, "estop"))
                    $root.edge.v1.EmergencyStop.encode(message.estop, writer.uint32(114).fork(), _depth + 1).ldelim();
                if (message.runtimeRequest != null && $Object.hasOwnProperty.call(message, "runtimeRequest"))
                    $root.edge.v1.RuntimeRequest.encode(message.runtimeRequest, writer.uint32(122).fork(), _depth + 1).ldelim();
                if (message.ptyInput != null && $Object.hasOwnProperty.call(message, "ptyInput"))
                    $root.edge.v1.PtyInput.encode(message.ptyInput, writer.uint32(130).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            ServerFrame.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.ServerFrame();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 10: {
                            if (wireType !== 2)
                                break;
                            message.welcome = $root.edge.v1.SessionWelcome.decode(reader, reader.size(), $undefined, _depth + 1, message.welcome);
                            message.body = "welcome";
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.command = $root.edge.v1.Command.decode(reader, reader.size(), $undefined, _depth + 1, message.command);
                            message.body = "command";
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            message.ack = $root.edge.v1.AgentAck.decode(reader, reader.size(), $undefined, _depth + 1, message.ack);
                            message.body = "ack";
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            message.cancel = $root.edge.v1.CommandCancel.decode(reader, reader.size(), $undefined, _depth + 1, message.cancel);
                            message.body = "cancel";
                            continue;
                        }
                    case 14: {
                            if (wireType !== 2)
                                break;
                            message.estop = $root.edge.v1.EmergencyStop.decode(reader, reader.size(), $undefined, _depth + 1, message.estop);
                            message.body = "estop";
                            continue;
                        }
                    case 15: {
                            if (wireType !== 2)
                                break;
                            message.runtimeRequest = $root.edge.v1.RuntimeRequest.decode(reader, reader.size(), $undefined, _depth + 1, message.runtimeRequest);
                            message.body = "runtimeRequest";
                            continue;
                        }
                    case 16: {
                            if (wireType !== 2)
                                break;
                            message.ptyInput = $root.edge.v1.PtyInput.decode(reader, reader.size(), $undefined, _depth + 1, message.ptyInput);
                            message.body = "ptyInput";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            ServerFrame.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.ServerFrame)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.ServerFrame: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.ServerFrame();
                if (object.welcome != null) {
                    if (!$util.isObject(object.welcome))
                        throw $TypeError(".edge.v1.ServerFrame.welcome: object expected");
                    message.welcome = $root.edge.v1.SessionWelcome.fromObject(object.welcome, _depth + 1);
                }
                if (object.command != null) {
                    if (!$util.isObject(object.command))
                        throw $TypeError(".edge.v1.ServerFrame.command: object expected");
                    message.command = $root.edge.v1.Command.fromObject(object.command, _depth + 1);
                }
                if (object.ack != null) {
                    if (!$util.isObject(object.ack))
                        throw $TypeError(".edge.v1.ServerFrame.ack: object expected");
                    message.ack = $root.edge.v1.AgentAck.fromObject(object.ack, _depth + 1);
                }
                if (object.cancel != null) {
                    if (!$util.isObject(object.cancel))
                        throw $TypeError(".edge.v1.ServerFrame.cancel: object expected");
                    message.cancel = $root.edge.v1.CommandCancel.fromObject(object.cancel, _depth + 1);
                }
                if (object.estop != null) {
                    if (!$util.isObject(object.estop))
                        throw $TypeError(".edge.v1.ServerFrame.estop: object expected");
                    message.estop = $root.edge.v1.EmergencyStop.fromObject(object.estop, _depth + 1);
                }
                if (object.runtimeRequest != null) {
                    if (!$util.isObject(object.runtimeRequest))
                        throw $TypeError(".edge.v1.ServerFrame.runtimeRequest: object expected");
                    message.runtimeRequest = $root.edge.v1.RuntimeRequest.fromObject(object.runtimeRequest, _depth + 1);
                }
                if (object.ptyInput != null) {
                    if (!$util.isObject(object.ptyInput))
                        throw $TypeError(".edge.v1.ServerFrame.ptyInput: object expected");
                    message.ptyInput = $root.edge.v1.PtyInput.fromObject(object.ptyInput, _depth + 1);
                }
                return message;
            };

            ServerFrame.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (message.welcome != null && $Object.hasOwnProperty.call(message, "welcome")) {
                    object.welcome = $root.edge.v1.SessionWelcome.toObject(message.welcome, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "welcome";
                }
                if (message.command != null && $Object.hasOwnProperty.call(message, "command")) {
                    object.command = $root.edge.v1.Command.toObject(message.command, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "command";
                }
                if (message.ack != null && $Object.hasOwnProperty.call(message, "ack")) {
                    object.ack = $root.edge.v1.AgentAck.toObject(message.ack, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "ack";
                }
                if (message.cancel != null && $Object.hasOwnProperty.call(message, "cancel")) {
                    object.cancel = $root.edge.v1.CommandCancel.toObject(message.cancel, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "cancel";
                }
                if (message.estop != null && $Object.hasOwnProperty.call(message, "estop")) {
                    object.estop = $root.edge.v1.EmergencyStop.toObject(message.estop, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "estop";
                }
                if (message.runtimeRequest != null && $Object.hasOwnProperty.call(message, "runtimeRequest")) {
                    object.runtimeRequest = $root.edge.v1.RuntimeRequest.toObject(message.runtimeRequest, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "runtimeRequest";
                }
                if (message.ptyInput != null && $Object.hasOwnProperty.call(message, "ptyInput")) {
                    object.ptyInput = $root.edge.v1.PtyInput.toObject(message.ptyInput, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "ptyInput";
                }
                return object;
            };

            ServerFrame.prototype.toJSON = function() {
                return ServerFrame.toObject(this, $protobuf.util.toJSONOptions);
            };

            return ServerFrame;
        })();

        v1.PtyInput = (function() {

            const PtyInput = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            PtyInput.prototype.id = "";
            PtyInput.prototype.open = false;
            PtyInput.prototype.cols = 0;
            PtyInput.prototype.rows = 0;
            PtyInput.prototype.data = $util.newBuffer([]);
            PtyInput.prototype.close = false;

            PtyInput.create = function(properties) {
                return new PtyInput(properties);
            };

            PtyInput.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(10).string(message.id);
                if (message.open != null && $Object.hasOwnProperty.call(message, "open") && message.open !== false)
                    writer.uint32(16).bool(message.open);
                if (message.cols != null && $Object.hasOwnProperty.call(message, "cols") && message.cols !== 0)
                    writer.uint32(24).uint32(message.cols);
                if (message.rows != null && $Object.hasOwnProperty.call(message, "rows") && message.rows !== 0)
                    writer.uint32(32).uint32(message.rows);
                if (message.data != null && $Object.hasOwnProperty.call(message, "data") && message.data.length)
                    writer.uint32(42).bytes(message.data);
                if (message.close != null && $Object.hasOwnProperty.call(message, "close") && message.close !== false)
                    writer.uint32(48).bool(message.close);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            PtyInput.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.PtyInput();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.open = value;
                            else
                                delete message.open;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.cols = value;
                            else
                                delete message.cols;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.rows = value;
                            else
                                delete message.rows;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.data = value;
                            else
                                delete message.data;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.close = value;
                            else
                                delete message.close;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            PtyInput.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.PtyInput)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.PtyInput: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.PtyInput();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.open != null)
                    if (object.open)
                        message.open = $Boolean(object.open);
                if (object.cols != null)
                    if ($Number(object.cols) !== 0)
                        message.cols = object.cols >>> 0;
                if (object.rows != null)
                    if ($Number(object.rows) !== 0)
                        message.rows = object.rows >>> 0;
                if (object.data != null)
                    if (object.data.length)
                        if (typeof object.data === "string")
                            $util.base64.decode(object.data, message.data = $util.newBuffer($util.base64.length(object.data)), 0);
                        else if (object.data.length >= 0)
                            message.data = object.data;
                if (object.close != null)
                    if (object.close)
                        message.close = $Boolean(object.close);
                return message;
            };

            PtyInput.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.open = false;
                    object.cols = 0;
                    object.rows = 0;
                    if (options.bytes === $String)
                        object.data = "";
                    else {
                        object.data = [];
                        if (options.bytes !== $Array)
                            object.data = $util.newBuffer(object.data);
                    }
                    object.close = false;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.open != null && $Object.hasOwnProperty.call(message, "open"))
                    object.open = message.open;
                if (message.cols != null && $Object.hasOwnProperty.call(message, "cols"))
                    object.cols = message.cols;
                if (message.rows != null && $Object.hasOwnProperty.call(message, "rows"))
                    object.rows = message.rows;
                if (message.data != null && $Object.hasOwnProperty.call(message, "data"))
                    object.data = options.bytes === $String ? $util.base64.encode(message.data, 0, message.data.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.data) : message.data;
                if (message.close != null && $Object.hasOwnProperty.call(message, "close"))
                    object.close = message.close;
                return object;
            };

            PtyInput.prototype.toJSON = function() {
                return PtyInput.toObject(this, $protobuf.util.toJSONOptions);
            };

            return PtyInput;
        })();

        v1.PtyOutput = (function() {

            const PtyOutput = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            PtyOutput.prototype.id = "";
            PtyOutput.prototype.opened = false;
            PtyOutput.prototype.data = $util.newBuffer([]);
            PtyOutput.prototype.exited = false;
            PtyOutput.prototype.exitCode = 0;
            PtyOutput.prototype.error = "";

            PtyOutput.create = function(properties) {
                return new PtyOutput(properties);
            };

            PtyOutput.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(10).string(message.id);
                if (message.opened != null && $Object.hasOwnProperty.call(message, "opened") && message.opened !== false)
                    writer.uint32(16).bool(message.opened);
                if (message.data != null && $Object.hasOwnProperty.call(message, "data") && message.data.length)
                    writer.uint32(26).bytes(message.data);
                if (message.exited != null && $Object.hasOwnProperty.call(message, "exited") && message.exited !== false)
                    writer.uint32(32).bool(message.exited);
                if (message.exitCode != null && $Object.hasOwnProperty.call(message, "exitCode") && message.exitCode !== 0)
                    writer.uint32(40).sint32(message.exitCode);
                if (message.error != null && $Object.hasOwnProperty.call(message, "error") && message.error !== "")
                    writer.uint32(50).string(message.error);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            PtyOutput.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.PtyOutput();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.opened = value;
                            else
                                delete message.opened;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.bytes()).length)
                                message.data = value;
                            else
                                delete message.data;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.exited = value;
                            else
                                delete message.exited;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.sint32())
                                message.exitCode = value;
                            else
                                delete message.exitCode;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.error = value;
                            else
                                delete message.error;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            PtyOutput.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.PtyOutput)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.PtyOutput: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.PtyOutput();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.opened != null)
                    if (object.opened)
                        message.opened = $Boolean(object.opened);
                if (object.data != null)
                    if (object.data.length)
                        if (typeof object.data === "string")
                            $util.base64.decode(object.data, message.data = $util.newBuffer($util.base64.length(object.data)), 0);
                        else if (object.data.length >= 0)
                            message.data = object.data;
                if (object.exited != null)
                    if (object.exited)
                        message.exited = $Boolean(object.exited);
                if (object.exitCode != null)
                    if ($Number(object.exitCode) !== 0)
                        message.exitCode = object.exitCode | 0;
                if (object.error != null)
                    if (typeof object.error !== "string" || object.error.length)
                        message.error = $String(object.error);
                return message;
            };

            PtyOutput.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.opened = false;
                    if (options.bytes === $String)
                        object.data = "";
                    else {
                        object.data = [];
                        if (options.bytes !== $Array)
                            object.data = $util.newBuffer(object.data);
                    }
                    object.exited = false;
                    object.exitCode = 0;
                    object.error = "";
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.opened != null && $Object.hasOwnProperty.call(message, "opened"))
                    object.opened = message.opened;
                if (message.data != null && $Object.hasOwnProperty.call(message, "data"))
                    object.data = options.bytes === $String ? $util.base64.encode(message.data, 0, message.data.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.data) : message.data;
                if (message.exited != null && $Object.hasOwnProperty.call(message, "exited"))
                    object.exited = message.exited;
                if (message.exitCode != null && $Object.hasOwnProperty.call(message, "exitCode"))
                    object.exitCode = message.exitCode;
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    object.error = message.error;
                return object;
            };

            PtyOutput.prototype.toJSON = function() {
                return PtyOutput.toObject(this, $protobuf.util.toJSONOptions);
            };

            return PtyOutput;
        })();

        v1.SessionWelcome = (function() {

            const SessionWelcome = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            SessionWelcome.prototype.lastAgentSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;
            SessionWelcome.prototype.hostId = "";

            SessionWelcome.create = function(properties) {
                return new SessionWelcome(properties);
            };

            SessionWelcome.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.lastAgentSeq != null && $Object.hasOwnProperty.call(message, "lastAgentSeq") && (typeof message.lastAgentSeq === "object" ? message.lastAgentSeq.low || message.lastAgentSeq.high : message.lastAgentSeq !== 0))
                    writer.uint32(8).uint64(message.lastAgentSeq);
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId") && message.hostId !== "")
                    writer.uint32(18).string(message.hostId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            SessionWelcome.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.SessionWelcome();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.lastAgentSeq = value;
                            else
                                delete message.lastAgentSeq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.hostId = value;
                            else
                                delete message.hostId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            SessionWelcome.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.SessionWelcome)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.SessionWelcome: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.SessionWelcome();
                if (object.lastAgentSeq != null)
                    if (typeof object.lastAgentSeq === "object" ? object.lastAgentSeq.low || object.lastAgentSeq.high : $Number(object.lastAgentSeq) !== 0)
                        if ($util.Long)
                            message.lastAgentSeq = $util.Long.fromValue(object.lastAgentSeq, true);
                        else if (typeof object.lastAgentSeq === "string")
                            message.lastAgentSeq = $parseInt(object.lastAgentSeq, 10);
                        else if (typeof object.lastAgentSeq === "number")
                            message.lastAgentSeq = object.lastAgentSeq;
                        else if (typeof object.lastAgentSeq === "object")
                            message.lastAgentSeq = new $util.LongBits(object.lastAgentSeq.low >>> 0, object.lastAgentSeq.high >>> 0).toNumber(true);
                if (object.hostId != null)
                    if (typeof object.hostId !== "string" || object.hostId.length)
                        message.hostId = $String(object.hostId);
                return message;
            };

            SessionWelcome.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.lastAgentSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.lastAgentSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.hostId = "";
                }
                if (message.lastAgentSeq != null && $Object.hasOwnProperty.call(message, "lastAgentSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.lastAgentSeq = typeof message.lastAgentSeq === "number" ? $BigInt(message.lastAgentSeq) : $util.Long.fromBits(message.lastAgentSeq.low >>> 0, message.lastAgentSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.lastAgentSeq === "number")
                        object.lastAgentSeq = options.longs === $String ? $String(message.lastAgentSeq) : message.lastAgentSeq;
                    else
                        object.lastAgentSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.lastAgentSeq) : options.longs === $Number ? new $util.LongBits(message.lastAgentSeq.low >>> 0, message.lastAgentSeq.high >>> 0).toNumber(true) : message.lastAgentSeq;
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId"))
                    object.hostId = message.hostId;
                return object;
            };

            SessionWelcome.prototype.toJSON = function() {
                return SessionWelcome.toObject(this, $protobuf.util.toJSONOptions);
            };

            return SessionWelcome;
        })();

        v1.AgentAck = (function() {

            const AgentAck = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            AgentAck.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            AgentAck.create = function(properties) {
                return new AgentAck(properties);
            };

            AgentAck.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && (typeof message.seq === "object" ? message.seq.low || message.seq.high : message.seq !== 0))
                    writer.uint32(8).uint64(message.seq);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            AgentAck.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.AgentAck();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            AgentAck.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.AgentAck)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.AgentAck: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.AgentAck();
                if (object.seq != null)
                    if (typeof object.seq === "object" ? object.seq.low || object.seq.high : $Number(object.seq) !== 0)
                        if ($util.Long)
                            message.seq = $util.Long.fromValue(object.seq, true);
                        else if (typeof object.seq === "string")
                            message.seq = $parseInt(object.seq, 10);
                        else if (typeof object.seq === "number")
                            message.seq = object.seq;
                        else if (typeof object.seq === "object")
                            message.seq = new $util.LongBits(object.seq.low >>> 0, object.seq.high >>> 0).toNumber(true);
                return message;
            };

            AgentAck.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults)
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.seq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.seq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.seq = typeof message.seq === "number" ? $BigInt(message.seq) : $util.Long.fromBits(message.seq.low >>> 0, message.seq.high >>> 0, true).toBigInt();
                    else if (typeof message.seq === "number")
                        object.seq = options.longs === $String ? $String(message.seq) : message.seq;
                    else
                        object.seq = options.longs === $String ? $util.Long.prototype.toString.call(message.seq) : options.longs === $Number ? new $util.LongBits(message.seq.low >>> 0, message.seq.high >>> 0).toNumber(true) : message.seq;
                return object;
            };

            AgentAck.prototype.toJSON = function() {
                return AgentAck.toObject(this, $protobuf.util.toJSONOptions);
            };

            return AgentAck;
        })();

        v1.LogLine = (function() {

            const LogLine = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            LogLine.prototype.commandId = "";
            LogLine.prototype.stream = "";
            LogLine.prototype.line = "";
            LogLine.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            LogLine.create = function(properties) {
                return new LogLine(properties);
            };

            LogLine.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId") && message.commandId !== "")
                    writer.uint32(10).string(message.commandId);
                if (message.stream != null && $Object.hasOwnProperty.call(message, "stream") && message.stream !== "")
                    writer.uint32(18).string(message.stream);
                if (message.line != null && $Object.hasOwnProperty.call(message, "line") && message.line !== "")
                    writer.uint32(26).string(message.line);
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(32).int64(message.atMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            LogLine.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.LogLine();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.commandId = value;
                            else
                                delete message.commandId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.stream = value;
                            else
                                delete message.stream;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.line = value;
                            else
                                delete message.line;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            LogLine.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.LogLine)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.LogLine: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.LogLine();
                if (object.commandId != null)
                    if (typeof object.commandId !== "string" || object.commandId.length)
                        message.commandId = $String(object.commandId);
                if (object.stream != null)
                    if (typeof object.stream !== "string" || object.stream.length)
                        message.stream = $String(object.stream);
                if (object.line != null)
                    if (typeof object.line !== "string" || object.line.length)
                        message.line = $String(object.line);
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                return message;
            };

            LogLine.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.commandId = "";
                    object.stream = "";
                    object.line = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId"))
                    object.commandId = message.commandId;
                if (message.stream != null && $Object.hasOwnProperty.call(message, "stream"))
                    object.stream = message.stream;
                if (message.line != null && $Object.hasOwnProperty.call(message, "line"))
                    object.line = message.line;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                return object;
            };

            LogLine.prototype.toJSON = function() {
                return LogLine.toObject(this, $protobuf.util.toJSONOptions);
            };

            return LogLine;
        })();

        v1.WatchRequest = (function() {

            const WatchRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            WatchRequest.prototype.hostId = "";
            WatchRequest.prototype.taskId = "";

            WatchRequest.create = function(properties) {
                return new WatchRequest(properties);
            };

            WatchRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId") && message.hostId !== "")
                    writer.uint32(10).string(message.hostId);
                if (message.taskId != null && $Object.hasOwnProperty.call(message, "taskId") && message.taskId !== "")
                    writer.uint32(18).string(message.taskId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            WatchRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.WatchRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.hostId = value;
                            else
                                delete message.hostId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.taskId = value;
                            else
                                delete message.taskId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            WatchRequest.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.WatchRequest)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.WatchRequest: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.WatchRequest();
                if (object.hostId != null)
                    if (typeof object.hostId !== "string" || object.hostId.length)
                        message.hostId = $String(object.hostId);
                if (object.taskId != null)
                    if (typeof object.taskId !== "string" || object.taskId.length)
                        message.taskId = $String(object.taskId);
                return message;
            };

            WatchRequest.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.hostId = "";
                    object.taskId = "";
                }
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId"))
                    object.hostId = message.hostId;
                if (message.taskId != null && $Object.hasOwnProperty.call(message, "taskId"))
                    object.taskId = message.taskId;
                return object;
            };

            WatchRequest.prototype.toJSON = function() {
                return WatchRequest.toObject(this, $protobuf.util.toJSONOptions);
            };

            return WatchRequest;
        })();

        v1.WatchEvent = (function() {

            const WatchEvent = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            WatchEvent.prototype.atMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;
            WatchEvent.prototype.hostStatus = null;
            WatchEvent.prototype.command = null;
            WatchEvent.prototype.log = null;
            WatchEvent.prototype.task = null;

            let $oneOfFields;

            $Object.defineProperty(WatchEvent.prototype, "body", {
                get: $util.oneOfGetter($oneOfFields = ["hostStatus", "command", "log", "task"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            WatchEvent.create = function(properties) {
                return new WatchEvent(properties);
            };

            WatchEvent.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs") && (typeof message.atMs === "object" ? message.atMs.low || message.atMs.high : message.atMs !== 0))
                    writer.uint32(8).int64(message.atMs);
                if (message.hostStatus != null && $Object.hasOwnProperty.call(message, "hostStatus"))
                    $root.edge.v1.HostStatusChanged.encode(message.hostStatus, writer.uint32(82).fork(), _depth + 1).ldelim();
                if (message.command != null && $Object.hasOwnProperty.call(message, "command"))
                    $root.edge.v1.CommandTransition.encode(message.command, writer.uint32(90).fork(), _depth + 1).ldelim();
                if (message.log != null && $Object.hasOwnProperty.call(message, "log"))
                    $root.edge.v1.LogLine.encode(message.log, writer.uint32(98).fork(), _depth + 1).ldelim();
                if (message.task != null && $Object.hasOwnProperty.call(message, "task"))
                    $root.edge.v1.TaskTransition.encode(message.task, writer.uint32(106).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            WatchEvent.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.WatchEvent();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.atMs = value;
                            else
                                delete message.atMs;
                            continue;
                        }
                    case 10: {
                            if (wireType !== 2)
                                break;
                            message.hostStatus = $root.edge.v1.HostStatusChanged.decode(reader, reader.size(), $undefined, _depth + 1, message.hostStatus);
                            message.body = "hostStatus";
                            continue;
                        }
                    case 11: {
                            if (wireType !== 2)
                                break;
                            message.command = $root.edge.v1.CommandTransition.decode(reader, reader.size(), $undefined, _depth + 1, message.command);
                            message.body = "command";
                            continue;
                        }
                    case 12: {
                            if (wireType !== 2)
                                break;
                            message.log = $root.edge.v1.LogLine.decode(reader, reader.size(), $undefined, _depth + 1, message.log);
                            message.body = "log";
                            continue;
                        }
                    case 13: {
                            if (wireType !== 2)
                                break;
                            message.task = $root.edge.v1.TaskTransition.decode(reader, reader.size(), $undefined, _depth + 1, message.task);
                            message.body = "task";
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            WatchEvent.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.WatchEvent)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.WatchEvent: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.WatchEvent();
                if (object.atMs != null)
                    if (typeof object.atMs === "object" ? object.atMs.low || object.atMs.high : $Number(object.atMs) !== 0)
                        if ($util.Long)
                            message.atMs = $util.Long.fromValue(object.atMs, false);
                        else if (typeof object.atMs === "string")
                            message.atMs = $parseInt(object.atMs, 10);
                        else if (typeof object.atMs === "number")
                            message.atMs = object.atMs;
                        else if (typeof object.atMs === "object")
                            message.atMs = new $util.LongBits(object.atMs.low >>> 0, object.atMs.high >>> 0).toNumber();
                if (object.hostStatus != null) {
                    if (!$util.isObject(object.hostStatus))
                        throw $TypeError(".edge.v1.WatchEvent.hostStatus: object expected");
                    message.hostStatus = $root.edge.v1.HostStatusChanged.fromObject(object.hostStatus, _depth + 1);
                }
                if (object.command != null) {
                    if (!$util.isObject(object.command))
                        throw $TypeError(".edge.v1.WatchEvent.command: object expected");
                    message.command = $root.edge.v1.CommandTransition.fromObject(object.command, _depth + 1);
                }
                if (object.log != null) {
                    if (!$util.isObject(object.log))
                        throw $TypeError(".edge.v1.WatchEvent.log: object expected");
                    message.log = $root.edge.v1.LogLine.fromObject(object.log, _depth + 1);
                }
                if (object.task != null) {
                    if (!$util.isObject(object.task))
                        throw $TypeError(".edge.v1.WatchEvent.task: object expected");
                    message.task = $root.edge.v1.TaskTransition.fromObject(object.task, _depth + 1);
                }
                return message;
            };

            WatchEvent.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults)
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.atMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.atMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                if (message.atMs != null && $Object.hasOwnProperty.call(message, "atMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.atMs = typeof message.atMs === "number" ? $BigInt(message.atMs) : $util.Long.fromBits(message.atMs.low >>> 0, message.atMs.high >>> 0, false).toBigInt();
                    else if (typeof message.atMs === "number")
                        object.atMs = options.longs === $String ? $String(message.atMs) : message.atMs;
                    else
                        object.atMs = options.longs === $String ? $util.Long.prototype.toString.call(message.atMs) : options.longs === $Number ? new $util.LongBits(message.atMs.low >>> 0, message.atMs.high >>> 0).toNumber() : message.atMs;
                if (message.hostStatus != null && $Object.hasOwnProperty.call(message, "hostStatus")) {
                    object.hostStatus = $root.edge.v1.HostStatusChanged.toObject(message.hostStatus, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "hostStatus";
                }
                if (message.command != null && $Object.hasOwnProperty.call(message, "command")) {
                    object.command = $root.edge.v1.CommandTransition.toObject(message.command, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "command";
                }
                if (message.log != null && $Object.hasOwnProperty.call(message, "log")) {
                    object.log = $root.edge.v1.LogLine.toObject(message.log, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "log";
                }
                if (message.task != null && $Object.hasOwnProperty.call(message, "task")) {
                    object.task = $root.edge.v1.TaskTransition.toObject(message.task, options, _depth + 1);
                    if (options.oneofs)
                        object.body = "task";
                }
                return object;
            };

            WatchEvent.prototype.toJSON = function() {
                return WatchEvent.toObject(this, $protobuf.util.toJSONOptions);
            };

            return WatchEvent;
        })();

        v1.HostStatusChanged = (function() {

            const HostStatusChanged = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            HostStatusChanged.prototype.hostId = "";
            HostStatusChanged.prototype.status = "";
            HostStatusChanged.prototype.previous = "";

            HostStatusChanged.create = function(properties) {
                return new HostStatusChanged(properties);
            };

            HostStatusChanged.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId") && message.hostId !== "")
                    writer.uint32(10).string(message.hostId);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== "")
                    writer.uint32(18).string(message.status);
                if (message.previous != null && $Object.hasOwnProperty.call(message, "previous") && message.previous !== "")
                    writer.uint32(26).string(message.previous);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            HostStatusChanged.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.HostStatusChanged();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.hostId = value;
                            else
                                delete message.hostId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.previous = value;
                            else
                                delete message.previous;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            HostStatusChanged.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.HostStatusChanged)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.HostStatusChanged: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.HostStatusChanged();
                if (object.hostId != null)
                    if (typeof object.hostId !== "string" || object.hostId.length)
                        message.hostId = $String(object.hostId);
                if (object.status != null)
                    if (typeof object.status !== "string" || object.status.length)
                        message.status = $String(object.status);
                if (object.previous != null)
                    if (typeof object.previous !== "string" || object.previous.length)
                        message.previous = $String(object.previous);
                return message;
            };

            HostStatusChanged.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.hostId = "";
                    object.status = "";
                    object.previous = "";
                }
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId"))
                    object.hostId = message.hostId;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = message.status;
                if (message.previous != null && $Object.hasOwnProperty.call(message, "previous"))
                    object.previous = message.previous;
                return object;
            };

            HostStatusChanged.prototype.toJSON = function() {
                return HostStatusChanged.toObject(this, $protobuf.util.toJSONOptions);
            };

            return HostStatusChanged;
        })();

        v1.CommandTransition = (function() {

            const CommandTransition = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            CommandTransition.prototype.commandId = "";
            CommandTransition.prototype.hostId = "";
            CommandTransition.prototype.status = "";
            CommandTransition.prototype.error = "";

            CommandTransition.create = function(properties) {
                return new CommandTransition(properties);
            };

            CommandTransition.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId") && message.commandId !== "")
                    writer.uint32(10).string(message.commandId);
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId") && message.hostId !== "")
                    writer.uint32(18).string(message.hostId);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== "")
                    writer.uint32(26).string(message.status);
                if (message.error != null && $Object.hasOwnProperty.call(message, "error") && message.error !== "")
                    writer.uint32(34).string(message.error);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            CommandTransition.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.CommandTransition();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.commandId = value;
                            else
                                delete message.commandId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.hostId = value;
                            else
                                delete message.hostId;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.error = value;
                            else
                                delete message.error;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            CommandTransition.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.CommandTransition)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.CommandTransition: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.CommandTransition();
                if (object.commandId != null)
                    if (typeof object.commandId !== "string" || object.commandId.length)
                        message.commandId = $String(object.commandId);
                if (object.hostId != null)
                    if (typeof object.hostId !== "string" || object.hostId.length)
                        message.hostId = $String(object.hostId);
                if (object.status != null)
                    if (typeof object.status !== "string" || object.status.length)
                        message.status = $String(object.status);
                if (object.error != null)
                    if (typeof object.error !== "string" || object.error.length)
                        message.error = $String(object.error);
                return message;
            };

            CommandTransition.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.commandId = "";
                    object.hostId = "";
                    object.status = "";
                    object.error = "";
                }
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId"))
                    object.commandId = message.commandId;
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId"))
                    object.hostId = message.hostId;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = message.status;
                if (message.error != null && $Object.hasOwnProperty.call(message, "error"))
                    object.error = message.error;
                return object;
            };

            CommandTransition.prototype.toJSON = function() {
                return CommandTransition.toObject(this, $protobuf.util.toJSONOptions);
            };

            return CommandTransition;
        })();

        v1.TaskTransition = (function() {

            const TaskTransition = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            TaskTransition.prototype.taskId = "";
            TaskTransition.prototype.status = "";

            TaskTransition.create = function(properties) {
                return new TaskTransition(properties);
            };

            TaskTransition.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.taskId != null && $Object.hasOwnProperty.call(message, "taskId") && message.taskId !== "")
                    writer.uint32(10).string(message.taskId);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== "")
                    writer.uint32(18).string(message.status);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            TaskTransition.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.TaskTransition();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.taskId = value;
                            else
                                delete message.taskId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            TaskTransition.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.TaskTransition)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.TaskTransition: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.TaskTransition();
                if (object.taskId != null)
                    if (typeof object.taskId !== "string" || object.taskId.length)
                        message.taskId = $String(object.taskId);
                if (object.status != null)
                    if (typeof object.status !== "string" || object.status.length)
                        message.status = $String(object.status);
                return message;
            };

            TaskTransition.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.taskId = "";
                    object.status = "";
                }
                if (message.taskId != null && $Object.hasOwnProperty.call(message, "taskId"))
                    object.taskId = message.taskId;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = message.status;
                return object;
            };

            TaskTransition.prototype.toJSON = function() {
                return TaskTransition.toObject(this, $protobuf.util.toJSONOptions);
            };

            return TaskTransition;
        })();

        v1.SendCommandRequest = (function() {

            const SendCommandRequest = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            SendCommandRequest.prototype.hostId = "";
            SendCommandRequest.prototype.kind = "";
            SendCommandRequest.prototype.paramsJson = "";
            SendCommandRequest.prototype.timeoutMs = 0;

            SendCommandRequest.create = function(properties) {
                return new SendCommandRequest(properties);
            };

            SendCommandRequest.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId") && message.hostId !== "")
                    writer.uint32(10).string(message.hostId);
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind") && message.kind !== "")
                    writer.uint32(18).string(message.kind);
                if (message.paramsJson != null && $Object.hasOwnProperty.call(message, "paramsJson") && message.paramsJson !== "")
                    writer.uint32(26).string(message.paramsJson);
                if (message.timeoutMs != null && $Object.hasOwnProperty.call(message, "timeoutMs") && message.timeoutMs !== 0)
                    writer.uint32(32).uint32(message.timeoutMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            SendCommandRequest.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.SendCommandRequest();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.hostId = value;
                            else
                                delete message.hostId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.kind = value;
                            else
                                delete message.kind;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.paramsJson = value;
                            else
                                delete message.paramsJson;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.timeoutMs = value;
                            else
                                delete message.timeoutMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            SendCommandRequest.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.SendCommandRequest)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.SendCommandRequest: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.SendCommandRequest();
                if (object.hostId != null)
                    if (typeof object.hostId !== "string" || object.hostId.length)
                        message.hostId = $String(object.hostId);
                if (object.kind != null)
                    if (typeof object.kind !== "string" || object.kind.length)
                        message.kind = $String(object.kind);
                if (object.paramsJson != null)
                    if (typeof object.paramsJson !== "string" || object.paramsJson.length)
                        message.paramsJson = $String(object.paramsJson);
                if (object.timeoutMs != null)
                    if ($Number(object.timeoutMs) !== 0)
                        message.timeoutMs = object.timeoutMs >>> 0;
                return message;
            };

            SendCommandRequest.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.hostId = "";
                    object.kind = "";
                    object.paramsJson = "";
                    object.timeoutMs = 0;
                }
                if (message.hostId != null && $Object.hasOwnProperty.call(message, "hostId"))
                    object.hostId = message.hostId;
                if (message.kind != null && $Object.hasOwnProperty.call(message, "kind"))
                    object.kind = message.kind;
                if (message.paramsJson != null && $Object.hasOwnProperty.call(message, "paramsJson"))
                    object.paramsJson = message.paramsJson;
                if (message.timeoutMs != null && $Object.hasOwnProperty.call(message, "timeoutMs"))
                    object.timeoutMs = message.timeoutMs;
                return object;
            };

            SendCommandRequest.prototype.toJSON = function() {
                return SendCommandRequest.toObject(this, $protobuf.util.toJSONOptions);
            };

            return SendCommandRequest;
        })();

        v1.SendCommandResponse = (function() {

            const SendCommandResponse = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            SendCommandResponse.prototype.commandId = "";
            SendCommandResponse.prototype.status = "";
            SendCommandResponse.prototype.deliveredLive = false;

            SendCommandResponse.create = function(properties) {
                return new SendCommandResponse(properties);
            };

            SendCommandResponse.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId") && message.commandId !== "")
                    writer.uint32(10).string(message.commandId);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== "")
                    writer.uint32(18).string(message.status);
                if (message.deliveredLive != null && $Object.hasOwnProperty.call(message, "deliveredLive") && message.deliveredLive !== false)
                    writer.uint32(24).bool(message.deliveredLive);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            SendCommandResponse.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.edge.v1.SendCommandResponse();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.commandId = value;
                            else
                                delete message.commandId;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.deliveredLive = value;
                            else
                                delete message.deliveredLive;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            SendCommandResponse.fromObject = function (object, _depth) {
                if (object instanceof $root.edge.v1.SendCommandResponse)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".edge.v1.SendCommandResponse: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.edge.v1.SendCommandResponse();
                if (object.commandId != null)
                    if (typeof object.commandId !== "string" || object.commandId.length)
                        message.commandId = $String(object.commandId);
                if (object.status != null)
                    if (typeof object.status !== "string" || object.status.length)
                        message.status = $String(object.status);
                if (object.deliveredLive != null)
                    if (object.deliveredLive)
                        message.deliveredLive = $Boolean(object.deliveredLive);
                return message;
            };

            SendCommandResponse.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.commandId = "";
                    object.status = "";
                    object.deliveredLive = false;
                }
                if (message.commandId != null && $Object.hasOwnProperty.call(message, "commandId"))
                    object.commandId = message.commandId;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = message.status;
                if (message.deliveredLive != null && $Object.hasOwnProperty.call(message, "deliveredLive"))
                    object.deliveredLive = message.deliveredLive;
                return object;
            };

            SendCommandResponse.prototype.toJSON = function() {
                return SendCommandResponse.toObject(this, $protobuf.util.toJSONOptions);
            };

            return SendCommandResponse;
        })();

        return v1;
    })();

    return edge;
})();

export {
  $root as default
};
