import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace edge. */
export namespace edge {

    /** Namespace v1. */
    namespace v1 {

        /**
         * Properties of a Command.
         * @deprecated Use edge.v1.Command.$Properties instead.
         */
        interface ICommand extends edge.v1.Command.$Properties {
        }

        /** Represents a Command. */
        class Command {

            /**
             * Constructs a new Command.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.Command.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Command id. */
            id: string;

            /** Command kind. */
            kind: string;

            /** Command paramsJson. */
            paramsJson: string;

            /** Command timeoutMs. */
            timeoutMs: number;

            /** Command createdAtMs. */
            createdAtMs: (number|Long);

            /** Command alreadyStarted. */
            alreadyStarted: boolean;

            /** Command notAfterMs. */
            notAfterMs: (number|Long);

            /**
             * Creates a new Command instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Command instance
             */
            static create(properties: edge.v1.Command.$Shape): edge.v1.Command & edge.v1.Command.$Shape;
            static create(properties?: edge.v1.Command.$Properties): edge.v1.Command;

            /**
             * Encodes the specified Command message. Does not implicitly {@link edge.v1.Command.verify|verify} messages.
             * @param message Command message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.Command.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Command message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.Command & edge.v1.Command.$Shape} Command
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.Command & edge.v1.Command.$Shape;

            /**
             * Creates a Command message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Command
             */
            static fromObject(object: { [k: string]: any }): edge.v1.Command;

            /**
             * Creates a plain object from a Command message. Also converts values to other types if specified.
             * @param message Command
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.Command, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Command to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace Command {

            /** Properties of a Command. */
            interface $Properties {

                /** Command id */
                id?: (string|null);

                /** Command kind */
                kind?: (string|null);

                /** Command paramsJson */
                paramsJson?: (string|null);

                /** Command timeoutMs */
                timeoutMs?: (number|null);

                /** Command createdAtMs */
                createdAtMs?: (number|Long|null);

                /** Command alreadyStarted */
                alreadyStarted?: (boolean|null);

                /** Command notAfterMs */
                notAfterMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Command. */
            type $Shape = edge.v1.Command.$Properties;
        }

        /**
         * Properties of a CommandCancel.
         * @deprecated Use edge.v1.CommandCancel.$Properties instead.
         */
        interface ICommandCancel extends edge.v1.CommandCancel.$Properties {
        }

        /** Represents a CommandCancel. */
        class CommandCancel {

            /**
             * Constructs a new CommandCancel.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.CommandCancel.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** CommandCancel commandId. */
            commandId: string;

            /** CommandCancel reason. */
            reason: string;

            /** CommandCancel atMs. */
            atMs: (number|Long);

            /**
             * Creates a new CommandCancel instance using the specified properties.
             * @param [properties] Properties to set
             * @returns CommandCancel instance
             */
            static create(properties: edge.v1.CommandCancel.$Shape): edge.v1.CommandCancel & edge.v1.CommandCancel.$Shape;
            static create(properties?: edge.v1.CommandCancel.$Properties): edge.v1.CommandCancel;

            /**
             * Encodes the specified CommandCancel message. Does not implicitly {@link edge.v1.CommandCancel.verify|verify} messages.
             * @param message CommandCancel message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.CommandCancel.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a CommandCancel message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.CommandCancel & edge.v1.CommandCancel.$Shape} CommandCancel
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.CommandCancel & edge.v1.CommandCancel.$Shape;

            /**
             * Creates a CommandCancel message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns CommandCancel
             */
            static fromObject(object: { [k: string]: any }): edge.v1.CommandCancel;

            /**
             * Creates a plain object from a CommandCancel message. Also converts values to other types if specified.
             * @param message CommandCancel
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.CommandCancel, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this CommandCancel to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace CommandCancel {

            /** Properties of a CommandCancel. */
            interface $Properties {

                /** CommandCancel commandId */
                commandId?: (string|null);

                /** CommandCancel reason */
                reason?: (string|null);

                /** CommandCancel atMs */
                atMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a CommandCancel. */
            type $Shape = edge.v1.CommandCancel.$Properties;
        }

        /** CommandStatus enum. */
        enum CommandStatus {

            /** COMMAND_STATUS_UNSPECIFIED value */
            COMMAND_STATUS_UNSPECIFIED = 0,

            /** COMMAND_STATUS_RUNNING value */
            COMMAND_STATUS_RUNNING = 1,

            /** COMMAND_STATUS_COMPLETED value */
            COMMAND_STATUS_COMPLETED = 2,

            /** COMMAND_STATUS_FAILED value */
            COMMAND_STATUS_FAILED = 3,

            /** COMMAND_STATUS_EXPIRED value */
            COMMAND_STATUS_EXPIRED = 4
        }

        /**
         * Properties of a CommandUpdate.
         * @deprecated Use edge.v1.CommandUpdate.$Properties instead.
         */
        interface ICommandUpdate extends edge.v1.CommandUpdate.$Properties {
        }

        /** Represents a CommandUpdate. */
        class CommandUpdate {

            /**
             * Constructs a new CommandUpdate.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.CommandUpdate.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** CommandUpdate commandId. */
            commandId: string;

            /** CommandUpdate status. */
            status: edge.v1.CommandStatus;

            /** CommandUpdate error. */
            error: string;

            /** CommandUpdate resultJson. */
            resultJson: string;

            /** CommandUpdate atMs. */
            atMs: (number|Long);

            /** CommandUpdate agentSeqFloor. */
            agentSeqFloor: (number|Long);

            /** CommandUpdate agentSeq. */
            agentSeq: (number|Long);

            /**
             * Creates a new CommandUpdate instance using the specified properties.
             * @param [properties] Properties to set
             * @returns CommandUpdate instance
             */
            static create(properties: edge.v1.CommandUpdate.$Shape): edge.v1.CommandUpdate & edge.v1.CommandUpdate.$Shape;
            static create(properties?: edge.v1.CommandUpdate.$Properties): edge.v1.CommandUpdate;

            /**
             * Encodes the specified CommandUpdate message. Does not implicitly {@link edge.v1.CommandUpdate.verify|verify} messages.
             * @param message CommandUpdate message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.CommandUpdate.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a CommandUpdate message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.CommandUpdate & edge.v1.CommandUpdate.$Shape} CommandUpdate
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.CommandUpdate & edge.v1.CommandUpdate.$Shape;

            /**
             * Creates a CommandUpdate message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns CommandUpdate
             */
            static fromObject(object: { [k: string]: any }): edge.v1.CommandUpdate;

            /**
             * Creates a plain object from a CommandUpdate message. Also converts values to other types if specified.
             * @param message CommandUpdate
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.CommandUpdate, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this CommandUpdate to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace CommandUpdate {

            /** Properties of a CommandUpdate. */
            interface $Properties {

                /** CommandUpdate commandId */
                commandId?: (string|null);

                /** CommandUpdate status */
                status?: (edge.v1.CommandStatus|null);

                /** CommandUpdate error */
                error?: (string|null);

                /** CommandUpdate resultJson */
                resultJson?: (string|null);

                /** CommandUpdate atMs */
                atMs?: (number|Long|null);

                /** CommandUpdate agentSeqFloor */
                agentSeqFloor?: (number|Long|null);

                /** CommandUpdate agentSeq */
                agentSeq?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a CommandUpdate. */
            type $Shape = edge.v1.CommandUpdate.$Properties;
        }

        /**
         * Properties of an AgentStatus.
         * @deprecated Use edge.v1.AgentStatus.$Properties instead.
         */
        interface IAgentStatus extends edge.v1.AgentStatus.$Properties {
        }

        /** Represents an AgentStatus. */
        class AgentStatus {

            /**
             * Constructs a new AgentStatus.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.AgentStatus.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentStatus agentVersion. */
            agentVersion: string;

            /** AgentStatus uptimeSeconds. */
            uptimeSeconds: number;

            /** AgentStatus load1. */
            load1: number;

            /** AgentStatus memoryTotalBytes. */
            memoryTotalBytes: (number|Long);

            /** AgentStatus memoryFreeBytes. */
            memoryFreeBytes: (number|Long);

            /** AgentStatus runningCommands. */
            runningCommands: number;

            /** AgentStatus atMs. */
            atMs: (number|Long);

            /** AgentStatus agentSeqFloor. */
            agentSeqFloor: (number|Long);

            /** AgentStatus agentSeq. */
            agentSeq: (number|Long);

            /**
             * Creates a new AgentStatus instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AgentStatus instance
             */
            static create(properties: edge.v1.AgentStatus.$Shape): edge.v1.AgentStatus & edge.v1.AgentStatus.$Shape;
            static create(properties?: edge.v1.AgentStatus.$Properties): edge.v1.AgentStatus;

            /**
             * Encodes the specified AgentStatus message. Does not implicitly {@link edge.v1.AgentStatus.verify|verify} messages.
             * @param message AgentStatus message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.AgentStatus.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentStatus message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.AgentStatus & edge.v1.AgentStatus.$Shape} AgentStatus
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.AgentStatus & edge.v1.AgentStatus.$Shape;

            /**
             * Creates an AgentStatus message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns AgentStatus
             */
            static fromObject(object: { [k: string]: any }): edge.v1.AgentStatus;

            /**
             * Creates a plain object from an AgentStatus message. Also converts values to other types if specified.
             * @param message AgentStatus
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.AgentStatus, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this AgentStatus to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace AgentStatus {

            /** Properties of an AgentStatus. */
            interface $Properties {

                /** AgentStatus agentVersion */
                agentVersion?: (string|null);

                /** AgentStatus uptimeSeconds */
                uptimeSeconds?: (number|null);

                /** AgentStatus load1 */
                load1?: (number|null);

                /** AgentStatus memoryTotalBytes */
                memoryTotalBytes?: (number|Long|null);

                /** AgentStatus memoryFreeBytes */
                memoryFreeBytes?: (number|Long|null);

                /** AgentStatus runningCommands */
                runningCommands?: (number|null);

                /** AgentStatus atMs */
                atMs?: (number|Long|null);

                /** AgentStatus agentSeqFloor */
                agentSeqFloor?: (number|Long|null);

                /** AgentStatus agentSeq */
                agentSeq?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an AgentStatus. */
            type $Shape = edge.v1.AgentStatus.$Properties;
        }

        /**
         * Properties of a TelemetryPoint.
         * @deprecated Use edge.v1.TelemetryPoint.$Properties instead.
         */
        interface ITelemetryPoint extends edge.v1.TelemetryPoint.$Properties {
        }

        /** Represents a TelemetryPoint. */
        class TelemetryPoint {

            /**
             * Constructs a new TelemetryPoint.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.TelemetryPoint.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** TelemetryPoint name. */
            name: string;

            /** TelemetryPoint value. */
            value: number;

            /** TelemetryPoint tags. */
            tags: { [k: string]: string };

            /** TelemetryPoint atMs. */
            atMs: (number|Long);

            /** TelemetryPoint seq. */
            seq: (number|Long);

            /**
             * Creates a new TelemetryPoint instance using the specified properties.
             * @param [properties] Properties to set
             * @returns TelemetryPoint instance
             */
            static create(properties: edge.v1.TelemetryPoint.$Shape): edge.v1.TelemetryPoint & edge.v1.TelemetryPoint.$Shape;
            static create(properties?: edge.v1.TelemetryPoint.$Properties): edge.v1.TelemetryPoint;

            /**
             * Encodes the specified TelemetryPoint message. Does not implicitly {@link edge.v1.TelemetryPoint.verify|verify} messages.
             * @param message TelemetryPoint message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.TelemetryPoint.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a TelemetryPoint message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.TelemetryPoint & edge.v1.TelemetryPoint.$Shape} TelemetryPoint
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.TelemetryPoint & edge.v1.TelemetryPoint.$Shape;

            /**
             * Creates a TelemetryPoint message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns TelemetryPoint
             */
            static fromObject(object: { [k: string]: any }): edge.v1.TelemetryPoint;

            /**
             * Creates a plain object from a TelemetryPoint message. Also converts values to other types if specified.
             * @param message TelemetryPoint
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.TelemetryPoint, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this TelemetryPoint to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace TelemetryPoint {

            /** Properties of a TelemetryPoint. */
            interface $Properties {

                /** TelemetryPoint name */
                name?: (string|null);

                /** TelemetryPoint value */
                value?: (number|null);

                /** TelemetryPoint tags */
                tags?: ({ [k: string]: string }|null);

                /** TelemetryPoint atMs */
                atMs?: (number|Long|null);

                /** TelemetryPoint seq */
                seq?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a TelemetryPoint. */
            type $Shape = edge.v1.TelemetryPoint.$Properties;
        }

        /**
         * Properties of a TelemetryBatch.
         * @deprecated Use edge.v1.TelemetryBatch.$Properties instead.
         */
        interface ITelemetryBatch extends edge.v1.TelemetryBatch.$Properties {
        }

        /** Represents a TelemetryBatch. */
        class TelemetryBatch {

            /**
             * Constructs a new TelemetryBatch.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.TelemetryBatch.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** TelemetryBatch points. */
            points: edge.v1.TelemetryPoint.$Properties[];

            /** TelemetryBatch agentSeqFloor. */
            agentSeqFloor: (number|Long);

            /** TelemetryBatch agentSeq. */
            agentSeq: (number|Long);

            /**
             * Creates a new TelemetryBatch instance using the specified properties.
             * @param [properties] Properties to set
             * @returns TelemetryBatch instance
             */
            static create(properties: edge.v1.TelemetryBatch.$Shape): edge.v1.TelemetryBatch & edge.v1.TelemetryBatch.$Shape;
            static create(properties?: edge.v1.TelemetryBatch.$Properties): edge.v1.TelemetryBatch;

            /**
             * Encodes the specified TelemetryBatch message. Does not implicitly {@link edge.v1.TelemetryBatch.verify|verify} messages.
             * @param message TelemetryBatch message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.TelemetryBatch.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a TelemetryBatch message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.TelemetryBatch & edge.v1.TelemetryBatch.$Shape} TelemetryBatch
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.TelemetryBatch & edge.v1.TelemetryBatch.$Shape;

            /**
             * Creates a TelemetryBatch message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns TelemetryBatch
             */
            static fromObject(object: { [k: string]: any }): edge.v1.TelemetryBatch;

            /**
             * Creates a plain object from a TelemetryBatch message. Also converts values to other types if specified.
             * @param message TelemetryBatch
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.TelemetryBatch, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this TelemetryBatch to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace TelemetryBatch {

            /** Properties of a TelemetryBatch. */
            interface $Properties {

                /** TelemetryBatch points */
                points?: (edge.v1.TelemetryPoint.$Properties[]|null);

                /** TelemetryBatch agentSeqFloor */
                agentSeqFloor?: (number|Long|null);

                /** TelemetryBatch agentSeq */
                agentSeq?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a TelemetryBatch. */
            type $Shape = edge.v1.TelemetryBatch.$Properties;
        }

        /**
         * Properties of a Receipt.
         * @deprecated Use edge.v1.Receipt.$Properties instead.
         */
        interface IReceipt extends edge.v1.Receipt.$Properties {
        }

        /** Represents a Receipt. */
        class Receipt {

            /**
             * Constructs a new Receipt.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.Receipt.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Receipt throughSeq. */
            throughSeq: (number|Long);

            /** Receipt seqs. */
            seqs: (number|Long)[];

            /**
             * Creates a new Receipt instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Receipt instance
             */
            static create(properties: edge.v1.Receipt.$Shape): edge.v1.Receipt & edge.v1.Receipt.$Shape;
            static create(properties?: edge.v1.Receipt.$Properties): edge.v1.Receipt;

            /**
             * Encodes the specified Receipt message. Does not implicitly {@link edge.v1.Receipt.verify|verify} messages.
             * @param message Receipt message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.Receipt.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Receipt message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.Receipt & edge.v1.Receipt.$Shape} Receipt
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.Receipt & edge.v1.Receipt.$Shape;

            /**
             * Creates a Receipt message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Receipt
             */
            static fromObject(object: { [k: string]: any }): edge.v1.Receipt;

            /**
             * Creates a plain object from a Receipt message. Also converts values to other types if specified.
             * @param message Receipt
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.Receipt, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Receipt to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace Receipt {

            /** Properties of a Receipt. */
            interface $Properties {

                /** Receipt throughSeq */
                throughSeq?: (number|Long|null);

                /** Receipt seqs */
                seqs?: ((number|Long)[]|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Receipt. */
            type $Shape = edge.v1.Receipt.$Properties;
        }

        /**
         * Properties of a CommandLog.
         * @deprecated Use edge.v1.CommandLog.$Properties instead.
         */
        interface ICommandLog extends edge.v1.CommandLog.$Properties {
        }

        /** Represents a CommandLog. */
        class CommandLog {

            /**
             * Constructs a new CommandLog.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.CommandLog.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** CommandLog commandId. */
            commandId: string;

            /** CommandLog stream. */
            stream: string;

            /** CommandLog line. */
            line: string;

            /** CommandLog atMs. */
            atMs: (number|Long);

            /** CommandLog index. */
            index: number;

            /** CommandLog agentSeqFloor. */
            agentSeqFloor: (number|Long);

            /** CommandLog agentSeq. */
            agentSeq: (number|Long);

            /**
             * Creates a new CommandLog instance using the specified properties.
             * @param [properties] Properties to set
             * @returns CommandLog instance
             */
            static create(properties: edge.v1.CommandLog.$Shape): edge.v1.CommandLog & edge.v1.CommandLog.$Shape;
            static create(properties?: edge.v1.CommandLog.$Properties): edge.v1.CommandLog;

            /**
             * Encodes the specified CommandLog message. Does not implicitly {@link edge.v1.CommandLog.verify|verify} messages.
             * @param message CommandLog message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.CommandLog.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a CommandLog message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.CommandLog & edge.v1.CommandLog.$Shape} CommandLog
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.CommandLog & edge.v1.CommandLog.$Shape;

            /**
             * Creates a CommandLog message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns CommandLog
             */
            static fromObject(object: { [k: string]: any }): edge.v1.CommandLog;

            /**
             * Creates a plain object from a CommandLog message. Also converts values to other types if specified.
             * @param message CommandLog
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.CommandLog, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this CommandLog to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace CommandLog {

            /** Properties of a CommandLog. */
            interface $Properties {

                /** CommandLog commandId */
                commandId?: (string|null);

                /** CommandLog stream */
                stream?: (string|null);

                /** CommandLog line */
                line?: (string|null);

                /** CommandLog atMs */
                atMs?: (number|Long|null);

                /** CommandLog index */
                index?: (number|null);

                /** CommandLog agentSeqFloor */
                agentSeqFloor?: (number|Long|null);

                /** CommandLog agentSeq */
                agentSeq?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a CommandLog. */
            type $Shape = edge.v1.CommandLog.$Properties;
        }

        /** PresenceState enum. */
        enum PresenceState {

            /** PRESENCE_STATE_UNSPECIFIED value */
            PRESENCE_STATE_UNSPECIFIED = 0,

            /** PRESENCE_STATE_ONLINE value */
            PRESENCE_STATE_ONLINE = 1,

            /** PRESENCE_STATE_OFFLINE value */
            PRESENCE_STATE_OFFLINE = 2
        }

        /**
         * Properties of a Presence.
         * @deprecated Use edge.v1.Presence.$Properties instead.
         */
        interface IPresence extends edge.v1.Presence.$Properties {
        }

        /** Represents a Presence. */
        class Presence {

            /**
             * Constructs a new Presence.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.Presence.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Presence state. */
            state: edge.v1.PresenceState;

            /** Presence agentVersion. */
            agentVersion: string;

            /** Presence atMs. */
            atMs: (number|Long);

            /**
             * Creates a new Presence instance using the specified properties.
             * @param [properties] Properties to set
             * @returns Presence instance
             */
            static create(properties: edge.v1.Presence.$Shape): edge.v1.Presence & edge.v1.Presence.$Shape;
            static create(properties?: edge.v1.Presence.$Properties): edge.v1.Presence;

            /**
             * Encodes the specified Presence message. Does not implicitly {@link edge.v1.Presence.verify|verify} messages.
             * @param message Presence message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.Presence.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Presence message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.Presence & edge.v1.Presence.$Shape} Presence
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.Presence & edge.v1.Presence.$Shape;

            /**
             * Creates a Presence message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Presence
             */
            static fromObject(object: { [k: string]: any }): edge.v1.Presence;

            /**
             * Creates a plain object from a Presence message. Also converts values to other types if specified.
             * @param message Presence
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.Presence, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Presence to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace Presence {

            /** Properties of a Presence. */
            interface $Properties {

                /** Presence state */
                state?: (edge.v1.PresenceState|null);

                /** Presence agentVersion */
                agentVersion?: (string|null);

                /** Presence atMs */
                atMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Presence. */
            type $Shape = edge.v1.Presence.$Properties;
        }

        /**
         * Properties of a SafetyPolicy.
         * @deprecated Use edge.v1.SafetyPolicy.$Properties instead.
         */
        interface ISafetyPolicy extends edge.v1.SafetyPolicy.$Properties {
        }

        /** Represents a SafetyPolicy. */
        class SafetyPolicy {

            /**
             * Constructs a new SafetyPolicy.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.SafetyPolicy.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SafetyPolicy id. */
            id: string;

            /** SafetyPolicy name. */
            name: string;

            /** SafetyPolicy enabled. */
            enabled: boolean;

            /** SafetyPolicy rulesJson. */
            rulesJson: string;

            /** SafetyPolicy version. */
            version: number;

            /**
             * Creates a new SafetyPolicy instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SafetyPolicy instance
             */
            static create(properties: edge.v1.SafetyPolicy.$Shape): edge.v1.SafetyPolicy & edge.v1.SafetyPolicy.$Shape;
            static create(properties?: edge.v1.SafetyPolicy.$Properties): edge.v1.SafetyPolicy;

            /**
             * Encodes the specified SafetyPolicy message. Does not implicitly {@link edge.v1.SafetyPolicy.verify|verify} messages.
             * @param message SafetyPolicy message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.SafetyPolicy.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SafetyPolicy message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.SafetyPolicy & edge.v1.SafetyPolicy.$Shape} SafetyPolicy
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.SafetyPolicy & edge.v1.SafetyPolicy.$Shape;

            /**
             * Creates a SafetyPolicy message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns SafetyPolicy
             */
            static fromObject(object: { [k: string]: any }): edge.v1.SafetyPolicy;

            /**
             * Creates a plain object from a SafetyPolicy message. Also converts values to other types if specified.
             * @param message SafetyPolicy
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.SafetyPolicy, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this SafetyPolicy to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace SafetyPolicy {

            /** Properties of a SafetyPolicy. */
            interface $Properties {

                /** SafetyPolicy id */
                id?: (string|null);

                /** SafetyPolicy name */
                name?: (string|null);

                /** SafetyPolicy enabled */
                enabled?: (boolean|null);

                /** SafetyPolicy rulesJson */
                rulesJson?: (string|null);

                /** SafetyPolicy version */
                version?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SafetyPolicy. */
            type $Shape = edge.v1.SafetyPolicy.$Properties;
        }

        /**
         * Properties of a PolicySet.
         * @deprecated Use edge.v1.PolicySet.$Properties instead.
         */
        interface IPolicySet extends edge.v1.PolicySet.$Properties {
        }

        /** Represents a PolicySet. */
        class PolicySet {

            /**
             * Constructs a new PolicySet.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.PolicySet.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PolicySet policies. */
            policies: edge.v1.SafetyPolicy.$Properties[];

            /** PolicySet issuedAtMs. */
            issuedAtMs: (number|Long);

            /** PolicySet version. */
            version: (number|Long);

            /**
             * Creates a new PolicySet instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PolicySet instance
             */
            static create(properties: edge.v1.PolicySet.$Shape): edge.v1.PolicySet & edge.v1.PolicySet.$Shape;
            static create(properties?: edge.v1.PolicySet.$Properties): edge.v1.PolicySet;

            /**
             * Encodes the specified PolicySet message. Does not implicitly {@link edge.v1.PolicySet.verify|verify} messages.
             * @param message PolicySet message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.PolicySet.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PolicySet message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.PolicySet & edge.v1.PolicySet.$Shape} PolicySet
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.PolicySet & edge.v1.PolicySet.$Shape;

            /**
             * Creates a PolicySet message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns PolicySet
             */
            static fromObject(object: { [k: string]: any }): edge.v1.PolicySet;

            /**
             * Creates a plain object from a PolicySet message. Also converts values to other types if specified.
             * @param message PolicySet
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.PolicySet, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this PolicySet to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace PolicySet {

            /** Properties of a PolicySet. */
            interface $Properties {

                /** PolicySet policies */
                policies?: (edge.v1.SafetyPolicy.$Properties[]|null);

                /** PolicySet issuedAtMs */
                issuedAtMs?: (number|Long|null);

                /** PolicySet version */
                version?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PolicySet. */
            type $Shape = edge.v1.PolicySet.$Properties;
        }

        /**
         * Properties of an EmergencyStop.
         * @deprecated Use edge.v1.EmergencyStop.$Properties instead.
         */
        interface IEmergencyStop extends edge.v1.EmergencyStop.$Properties {
        }

        /** Represents an EmergencyStop. */
        class EmergencyStop {

            /**
             * Constructs a new EmergencyStop.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.EmergencyStop.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** EmergencyStop generation. */
            generation: (number|Long);

            /** EmergencyStop engaged. */
            engaged: boolean;

            /** EmergencyStop reason. */
            reason: string;

            /** EmergencyStop atMs. */
            atMs: (number|Long);

            /**
             * Creates a new EmergencyStop instance using the specified properties.
             * @param [properties] Properties to set
             * @returns EmergencyStop instance
             */
            static create(properties: edge.v1.EmergencyStop.$Shape): edge.v1.EmergencyStop & edge.v1.EmergencyStop.$Shape;
            static create(properties?: edge.v1.EmergencyStop.$Properties): edge.v1.EmergencyStop;

            /**
             * Encodes the specified EmergencyStop message. Does not implicitly {@link edge.v1.EmergencyStop.verify|verify} messages.
             * @param message EmergencyStop message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.EmergencyStop.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an EmergencyStop message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.EmergencyStop & edge.v1.EmergencyStop.$Shape} EmergencyStop
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.EmergencyStop & edge.v1.EmergencyStop.$Shape;

            /**
             * Creates an EmergencyStop message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns EmergencyStop
             */
            static fromObject(object: { [k: string]: any }): edge.v1.EmergencyStop;

            /**
             * Creates a plain object from an EmergencyStop message. Also converts values to other types if specified.
             * @param message EmergencyStop
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.EmergencyStop, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this EmergencyStop to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace EmergencyStop {

            /** Properties of an EmergencyStop. */
            interface $Properties {

                /** EmergencyStop generation */
                generation?: (number|Long|null);

                /** EmergencyStop engaged */
                engaged?: (boolean|null);

                /** EmergencyStop reason */
                reason?: (string|null);

                /** EmergencyStop atMs */
                atMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an EmergencyStop. */
            type $Shape = edge.v1.EmergencyStop.$Properties;
        }

        /**
         * Properties of an AgentSafetyState.
         * @deprecated Use edge.v1.AgentSafetyState.$Properties instead.
         */
        interface IAgentSafetyState extends edge.v1.AgentSafetyState.$Properties {
        }

        /** Represents an AgentSafetyState. */
        class AgentSafetyState {

            /**
             * Constructs a new AgentSafetyState.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.AgentSafetyState.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentSafetyState estopGeneration. */
            estopGeneration: (number|Long);

            /** AgentSafetyState remoteEngaged. */
            remoteEngaged: boolean;

            /** AgentSafetyState localEngaged. */
            localEngaged: boolean;

            /** AgentSafetyState localReason. */
            localReason: string;

            /** AgentSafetyState killed. */
            killed: number;

            /** AgentSafetyState policyVersion. */
            policyVersion: (number|Long);

            /** AgentSafetyState atMs. */
            atMs: (number|Long);

            /**
             * Creates a new AgentSafetyState instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AgentSafetyState instance
             */
            static create(properties: edge.v1.AgentSafetyState.$Shape): edge.v1.AgentSafetyState & edge.v1.AgentSafetyState.$Shape;
            static create(properties?: edge.v1.AgentSafetyState.$Properties): edge.v1.AgentSafetyState;

            /**
             * Encodes the specified AgentSafetyState message. Does not implicitly {@link edge.v1.AgentSafetyState.verify|verify} messages.
             * @param message AgentSafetyState message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.AgentSafetyState.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentSafetyState message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.AgentSafetyState & edge.v1.AgentSafetyState.$Shape} AgentSafetyState
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.AgentSafetyState & edge.v1.AgentSafetyState.$Shape;

            /**
             * Creates an AgentSafetyState message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns AgentSafetyState
             */
            static fromObject(object: { [k: string]: any }): edge.v1.AgentSafetyState;

            /**
             * Creates a plain object from an AgentSafetyState message. Also converts values to other types if specified.
             * @param message AgentSafetyState
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.AgentSafetyState, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this AgentSafetyState to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace AgentSafetyState {

            /** Properties of an AgentSafetyState. */
            interface $Properties {

                /** AgentSafetyState estopGeneration */
                estopGeneration?: (number|Long|null);

                /** AgentSafetyState remoteEngaged */
                remoteEngaged?: (boolean|null);

                /** AgentSafetyState localEngaged */
                localEngaged?: (boolean|null);

                /** AgentSafetyState localReason */
                localReason?: (string|null);

                /** AgentSafetyState killed */
                killed?: (number|null);

                /** AgentSafetyState policyVersion */
                policyVersion?: (number|Long|null);

                /** AgentSafetyState atMs */
                atMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an AgentSafetyState. */
            type $Shape = edge.v1.AgentSafetyState.$Properties;
        }

        /**
         * Properties of a RuntimeRequest.
         * @deprecated Use edge.v1.RuntimeRequest.$Properties instead.
         */
        interface IRuntimeRequest extends edge.v1.RuntimeRequest.$Properties {
        }

        /** Represents a RuntimeRequest. */
        class RuntimeRequest {

            /**
             * Constructs a new RuntimeRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.RuntimeRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** RuntimeRequest id. */
            id: string;

            /** RuntimeRequest method. */
            method: string;

            /** RuntimeRequest path. */
            path: string;

            /** RuntimeRequest body. */
            body: Uint8Array;

            /** RuntimeRequest contentType. */
            contentType: string;

            /** RuntimeRequest deadlineMs. */
            deadlineMs: (number|Long);

            /**
             * Creates a new RuntimeRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns RuntimeRequest instance
             */
            static create(properties: edge.v1.RuntimeRequest.$Shape): edge.v1.RuntimeRequest & edge.v1.RuntimeRequest.$Shape;
            static create(properties?: edge.v1.RuntimeRequest.$Properties): edge.v1.RuntimeRequest;

            /**
             * Encodes the specified RuntimeRequest message. Does not implicitly {@link edge.v1.RuntimeRequest.verify|verify} messages.
             * @param message RuntimeRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.RuntimeRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a RuntimeRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.RuntimeRequest & edge.v1.RuntimeRequest.$Shape} RuntimeRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.RuntimeRequest & edge.v1.RuntimeRequest.$Shape;

            /**
             * Creates a RuntimeRequest message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns RuntimeRequest
             */
            static fromObject(object: { [k: string]: any }): edge.v1.RuntimeRequest;

            /**
             * Creates a plain object from a RuntimeRequest message. Also converts values to other types if specified.
             * @param message RuntimeRequest
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.RuntimeRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this RuntimeRequest to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace RuntimeRequest {

            /** Properties of a RuntimeRequest. */
            interface $Properties {

                /** RuntimeRequest id */
                id?: (string|null);

                /** RuntimeRequest method */
                method?: (string|null);

                /** RuntimeRequest path */
                path?: (string|null);

                /** RuntimeRequest body */
                body?: (Uint8Array|null);

                /** RuntimeRequest contentType */
                contentType?: (string|null);

                /** RuntimeRequest deadlineMs */
                deadlineMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a RuntimeRequest. */
            type $Shape = edge.v1.RuntimeRequest.$Properties;
        }

        /**
         * Properties of a RuntimeResponse.
         * @deprecated Use edge.v1.RuntimeResponse.$Properties instead.
         */
        interface IRuntimeResponse extends edge.v1.RuntimeResponse.$Properties {
        }

        /** Represents a RuntimeResponse. */
        class RuntimeResponse {

            /**
             * Constructs a new RuntimeResponse.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.RuntimeResponse.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** RuntimeResponse id. */
            id: string;

            /** RuntimeResponse part. */
            part: number;

            /** RuntimeResponse status. */
            status: number;

            /** RuntimeResponse contentType. */
            contentType: string;

            /** RuntimeResponse chunk. */
            chunk: Uint8Array;

            /** RuntimeResponse end. */
            end: boolean;

            /**
             * Creates a new RuntimeResponse instance using the specified properties.
             * @param [properties] Properties to set
             * @returns RuntimeResponse instance
             */
            static create(properties: edge.v1.RuntimeResponse.$Shape): edge.v1.RuntimeResponse & edge.v1.RuntimeResponse.$Shape;
            static create(properties?: edge.v1.RuntimeResponse.$Properties): edge.v1.RuntimeResponse;

            /**
             * Encodes the specified RuntimeResponse message. Does not implicitly {@link edge.v1.RuntimeResponse.verify|verify} messages.
             * @param message RuntimeResponse message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.RuntimeResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a RuntimeResponse message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.RuntimeResponse & edge.v1.RuntimeResponse.$Shape} RuntimeResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.RuntimeResponse & edge.v1.RuntimeResponse.$Shape;

            /**
             * Creates a RuntimeResponse message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns RuntimeResponse
             */
            static fromObject(object: { [k: string]: any }): edge.v1.RuntimeResponse;

            /**
             * Creates a plain object from a RuntimeResponse message. Also converts values to other types if specified.
             * @param message RuntimeResponse
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.RuntimeResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this RuntimeResponse to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace RuntimeResponse {

            /** Properties of a RuntimeResponse. */
            interface $Properties {

                /** RuntimeResponse id */
                id?: (string|null);

                /** RuntimeResponse part */
                part?: (number|null);

                /** RuntimeResponse status */
                status?: (number|null);

                /** RuntimeResponse contentType */
                contentType?: (string|null);

                /** RuntimeResponse chunk */
                chunk?: (Uint8Array|null);

                /** RuntimeResponse end */
                end?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a RuntimeResponse. */
            type $Shape = edge.v1.RuntimeResponse.$Properties;
        }

        /**
         * Properties of an AgentFrame.
         * @deprecated Use edge.v1.AgentFrame.$Properties instead.
         */
        interface IAgentFrame extends edge.v1.AgentFrame.$Properties {
        }

        /** Represents an AgentFrame. */
        class AgentFrame {

            /**
             * Constructs a new AgentFrame.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.AgentFrame.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentFrame seq. */
            seq: (number|Long);

            /** AgentFrame seqFloor. */
            seqFloor: (number|Long);

            /** AgentFrame hello. */
            hello?: (edge.v1.SessionHello.$Properties|null);

            /** AgentFrame update. */
            update?: (edge.v1.CommandUpdate.$Properties|null);

            /** AgentFrame status. */
            status?: (edge.v1.AgentStatus.$Properties|null);

            /** AgentFrame telemetry. */
            telemetry?: (edge.v1.TelemetryBatch.$Properties|null);

            /** AgentFrame log. */
            log?: (edge.v1.LogLine.$Properties|null);

            /** AgentFrame safety. */
            safety?: (edge.v1.AgentSafetyState.$Properties|null);

            /** AgentFrame commandLog. */
            commandLog?: (edge.v1.CommandLog.$Properties|null);

            /** AgentFrame runtimeResponse. */
            runtimeResponse?: (edge.v1.RuntimeResponse.$Properties|null);

            /** AgentFrame ptyOutput. */
            ptyOutput?: (edge.v1.PtyOutput.$Properties|null);

            /** AgentFrame body. */
            body?: ("hello"|"update"|"status"|"telemetry"|"log"|"safety"|"commandLog"|"runtimeResponse"|"ptyOutput");

            /**
             * Creates a new AgentFrame instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AgentFrame instance
             */
            static create(properties: edge.v1.AgentFrame.$Shape): edge.v1.AgentFrame & edge.v1.AgentFrame.$Shape;
            static create(properties?: edge.v1.AgentFrame.$Properties): edge.v1.AgentFrame;

            /**
             * Encodes the specified AgentFrame message. Does not implicitly {@link edge.v1.AgentFrame.verify|verify} messages.
             * @param message AgentFrame message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.AgentFrame.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentFrame message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.AgentFrame & edge.v1.AgentFrame.$Shape} AgentFrame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.AgentFrame & edge.v1.AgentFrame.$Shape;

            /**
             * Creates an AgentFrame message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns AgentFrame
             */
            static fromObject(object: { [k: string]: any }): edge.v1.AgentFrame;

            /**
             * Creates a plain object from an AgentFrame message. Also converts values to other types if specified.
             * @param message AgentFrame
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.AgentFrame, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this AgentFrame to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace AgentFrame {

            /** Properties of an AgentFrame. */
            interface $Properties {

                /** AgentFrame seq */
                seq?: (number|Long|null);

                /** AgentFrame seqFloor */
                seqFloor?: (number|Long|null);

                /** AgentFrame hello */
                hello?: (edge.v1.SessionHello.$Properties|null);

                /** AgentFrame update */
                update?: (edge.v1.CommandUpdate.$Properties|null);

                /** AgentFrame status */
                status?: (edge.v1.AgentStatus.$Properties|null);

                /** AgentFrame telemetry */
                telemetry?: (edge.v1.TelemetryBatch.$Properties|null);

                /** AgentFrame log */
                log?: (edge.v1.LogLine.$Properties|null);

                /** AgentFrame safety */
                safety?: (edge.v1.AgentSafetyState.$Properties|null);

                /** AgentFrame commandLog */
                commandLog?: (edge.v1.CommandLog.$Properties|null);

                /** AgentFrame runtimeResponse */
                runtimeResponse?: (edge.v1.RuntimeResponse.$Properties|null);

                /** AgentFrame ptyOutput */
                ptyOutput?: (edge.v1.PtyOutput.$Properties|null);

                /** AgentFrame body */
                body?: ("hello"|"update"|"status"|"telemetry"|"log"|"safety"|"commandLog"|"runtimeResponse"|"ptyOutput");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of an AgentFrame. */
            type $Shape = {
              seq?: number|Long|null;
              seqFloor?: number|Long|null;
              hello?: edge.v1.SessionHello.$Shape|null;
              update?: edge.v1.CommandUpdate.$Shape|null;
              status?: edge.v1.AgentStatus.$Shape|null;
              telemetry?: edge.v1.TelemetryBatch.$Shape|null;
              log?: edge.v1.LogLine.$Shape|null;
              safety?: edge.v1.AgentSafetyState.$Shape|null;
              commandLog?: edge.v1.CommandLog.$Shape|null;
              runtimeResponse?: edge.v1.RuntimeResponse.$Shape|null;
              ptyOutput?: edge.v1.PtyOutput.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hello?: null; update?: null; status?: null; telemetry?: null; log?: null; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "hello"; hello: edge.v1.SessionHello.$Shape; update?: null; status?: null; telemetry?: null; log?: null; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "update"; hello?: null; update: edge.v1.CommandUpdate.$Shape; status?: null; telemetry?: null; log?: null; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "status"; hello?: null; update?: null; status: edge.v1.AgentStatus.$Shape; telemetry?: null; log?: null; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "telemetry"; hello?: null; update?: null; status?: null; telemetry: edge.v1.TelemetryBatch.$Shape; log?: null; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "log"; hello?: null; update?: null; status?: null; telemetry?: null; log: edge.v1.LogLine.$Shape; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "safety"; hello?: null; update?: null; status?: null; telemetry?: null; log?: null; safety: edge.v1.AgentSafetyState.$Shape; commandLog?: null; runtimeResponse?: null; ptyOutput?: null }|{ body?: "commandLog"; hello?: null; update?: null; status?: null; telemetry?: null; log?: null; safety?: null; commandLog: edge.v1.CommandLog.$Shape; runtimeResponse?: null; ptyOutput?: null }|{ body?: "runtimeResponse"; hello?: null; update?: null; status?: null; telemetry?: null; log?: null; safety?: null; commandLog?: null; runtimeResponse: edge.v1.RuntimeResponse.$Shape; ptyOutput?: null }|{ body?: "ptyOutput"; hello?: null; update?: null; status?: null; telemetry?: null; log?: null; safety?: null; commandLog?: null; runtimeResponse?: null; ptyOutput: edge.v1.PtyOutput.$Shape })
            );
        }

        /**
         * Properties of a SessionHello.
         * @deprecated Use edge.v1.SessionHello.$Properties instead.
         */
        interface ISessionHello extends edge.v1.SessionHello.$Properties {
        }

        /** Represents a SessionHello. */
        class SessionHello {

            /**
             * Constructs a new SessionHello.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.SessionHello.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SessionHello agentVersion. */
            agentVersion: string;

            /**
             * Creates a new SessionHello instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SessionHello instance
             */
            static create(properties: edge.v1.SessionHello.$Shape): edge.v1.SessionHello & edge.v1.SessionHello.$Shape;
            static create(properties?: edge.v1.SessionHello.$Properties): edge.v1.SessionHello;

            /**
             * Encodes the specified SessionHello message. Does not implicitly {@link edge.v1.SessionHello.verify|verify} messages.
             * @param message SessionHello message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.SessionHello.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SessionHello message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.SessionHello & edge.v1.SessionHello.$Shape} SessionHello
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.SessionHello & edge.v1.SessionHello.$Shape;

            /**
             * Creates a SessionHello message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns SessionHello
             */
            static fromObject(object: { [k: string]: any }): edge.v1.SessionHello;

            /**
             * Creates a plain object from a SessionHello message. Also converts values to other types if specified.
             * @param message SessionHello
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.SessionHello, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this SessionHello to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace SessionHello {

            /** Properties of a SessionHello. */
            interface $Properties {

                /** SessionHello agentVersion */
                agentVersion?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SessionHello. */
            type $Shape = edge.v1.SessionHello.$Properties;
        }

        /**
         * Properties of a ServerFrame.
         * @deprecated Use edge.v1.ServerFrame.$Properties instead.
         */
        interface IServerFrame extends edge.v1.ServerFrame.$Properties {
        }

        /** Represents a ServerFrame. */
        class ServerFrame {

            /**
             * Constructs a new ServerFrame.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.ServerFrame.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ServerFrame welcome. */
            welcome?: (edge.v1.SessionWelcome.$Properties|null);

            /** ServerFrame command. */
            command?: (edge.v1.Command.$Properties|null);

            /** ServerFrame ack. */
            ack?: (edge.v1.AgentAck.$Properties|null);

            /** ServerFrame cancel. */
            cancel?: (edge.v1.CommandCancel.$Properties|null);

            /** ServerFrame estop. */
            estop?: (edge.v1.EmergencyStop.$Properties|null);

            /** ServerFrame runtimeRequest. */
            runtimeRequest?: (edge.v1.RuntimeRequest.$Properties|null);

            /** ServerFrame ptyInput. */
            ptyInput?: (edge.v1.PtyInput.$Properties|null);

            /** ServerFrame body. */
            body?: ("welcome"|"command"|"ack"|"cancel"|"estop"|"runtimeRequest"|"ptyInput");

            /**
             * Creates a new ServerFrame instance using the specified properties.
             * @param [properties] Properties to set
             * @returns ServerFrame instance
             */
            static create(properties: edge.v1.ServerFrame.$Shape): edge.v1.ServerFrame & edge.v1.ServerFrame.$Shape;
            static create(properties?: edge.v1.ServerFrame.$Properties): edge.v1.ServerFrame;

            /**
             * Encodes the specified ServerFrame message. Does not implicitly {@link edge.v1.ServerFrame.verify|verify} messages.
             * @param message ServerFrame message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.ServerFrame.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ServerFrame message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.ServerFrame & edge.v1.ServerFrame.$Shape} ServerFrame
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.ServerFrame & edge.v1.ServerFrame.$Shape;

            /**
             * Creates a ServerFrame message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns ServerFrame
             */
            static fromObject(object: { [k: string]: any }): edge.v1.ServerFrame;

            /**
             * Creates a plain object from a ServerFrame message. Also converts values to other types if specified.
             * @param message ServerFrame
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.ServerFrame, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this ServerFrame to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace ServerFrame {

            /** Properties of a ServerFrame. */
            interface $Properties {

                /** ServerFrame welcome */
                welcome?: (edge.v1.SessionWelcome.$Properties|null);

                /** ServerFrame command */
                command?: (edge.v1.Command.$Properties|null);

                /** ServerFrame ack */
                ack?: (edge.v1.AgentAck.$Properties|null);

                /** ServerFrame cancel */
                cancel?: (edge.v1.CommandCancel.$Properties|null);

                /** ServerFrame estop */
                estop?: (edge.v1.EmergencyStop.$Properties|null);

                /** ServerFrame runtimeRequest */
                runtimeRequest?: (edge.v1.RuntimeRequest.$Properties|null);

                /** ServerFrame ptyInput */
                ptyInput?: (edge.v1.PtyInput.$Properties|null);

                /** ServerFrame body */
                body?: ("welcome"|"command"|"ack"|"cancel"|"estop"|"runtimeRequest"|"ptyInput");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a ServerFrame. */
            type $Shape = {
              welcome?: edge.v1.SessionWelcome.$Shape|null;
              command?: edge.v1.Command.$Shape|null;
              ack?: edge.v1.AgentAck.$Shape|null;
              cancel?: edge.v1.CommandCancel.$Shape|null;
              estop?: edge.v1.EmergencyStop.$Shape|null;
              runtimeRequest?: edge.v1.RuntimeRequest.$Shape|null;
              ptyInput?: edge.v1.PtyInput.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; welcome?: null; command?: null; ack?: null; cancel?: null; estop?: null; runtimeRequest?: null; ptyInput?: null }|{ body?: "welcome"; welcome: edge.v1.SessionWelcome.$Shape; command?: null; ack?: null; cancel?: null; estop?: null; runtimeRequest?: null; ptyInput?: null }|{ body?: "command"; welcome?: null; command: edge.v1.Command.$Shape; ack?: null; cancel?: null; estop?: null; runtimeRequest?: null; ptyInput?: null }|{ body?: "ack"; welcome?: null; command?: null; ack: edge.v1.AgentAck.$Shape; cancel?: null; estop?: null; runtimeRequest?: null; ptyInput?: null }|{ body?: "cancel"; welcome?: null; command?: null; ack?: null; cancel: edge.v1.CommandCancel.$Shape; estop?: null; runtimeRequest?: null; ptyInput?: null }|{ body?: "estop"; welcome?: null; command?: null; ack?: null; cancel?: null; estop: edge.v1.EmergencyStop.$Shape; runtimeRequest?: null; ptyInput?: null }|{ body?: "runtimeRequest"; welcome?: null; command?: null; ack?: null; cancel?: null; estop?: null; runtimeRequest: edge.v1.RuntimeRequest.$Shape; ptyInput?: null }|{ body?: "ptyInput"; welcome?: null; command?: null; ack?: null; cancel?: null; estop?: null; runtimeRequest?: null; ptyInput: edge.v1.PtyInput.$Shape })
            );
        }

        /**
         * Properties of a PtyInput.
         * @deprecated Use edge.v1.PtyInput.$Properties instead.
         */
        interface IPtyInput extends edge.v1.PtyInput.$Properties {
        }

        /** Represents a PtyInput. */
        class PtyInput {

            /**
             * Constructs a new PtyInput.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.PtyInput.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PtyInput id. */
            id: string;

            /** PtyInput open. */
            open: boolean;

            /** PtyInput cols. */
            cols: number;

            /** PtyInput rows. */
            rows: number;

            /** PtyInput data. */
            data: Uint8Array;

            /** PtyInput close. */
            close: boolean;

            /**
             * Creates a new PtyInput instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PtyInput instance
             */
            static create(properties: edge.v1.PtyInput.$Shape): edge.v1.PtyInput & edge.v1.PtyInput.$Shape;
            static create(properties?: edge.v1.PtyInput.$Properties): edge.v1.PtyInput;

            /**
             * Encodes the specified PtyInput message. Does not implicitly {@link edge.v1.PtyInput.verify|verify} messages.
             * @param message PtyInput message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.PtyInput.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PtyInput message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.PtyInput & edge.v1.PtyInput.$Shape} PtyInput
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.PtyInput & edge.v1.PtyInput.$Shape;

            /**
             * Creates a PtyInput message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns PtyInput
             */
            static fromObject(object: { [k: string]: any }): edge.v1.PtyInput;

            /**
             * Creates a plain object from a PtyInput message. Also converts values to other types if specified.
             * @param message PtyInput
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.PtyInput, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this PtyInput to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace PtyInput {

            /** Properties of a PtyInput. */
            interface $Properties {

                /** PtyInput id */
                id?: (string|null);

                /** PtyInput open */
                open?: (boolean|null);

                /** PtyInput cols */
                cols?: (number|null);

                /** PtyInput rows */
                rows?: (number|null);

                /** PtyInput data */
                data?: (Uint8Array|null);

                /** PtyInput close */
                close?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PtyInput. */
            type $Shape = edge.v1.PtyInput.$Properties;
        }

        /**
         * Properties of a PtyOutput.
         * @deprecated Use edge.v1.PtyOutput.$Properties instead.
         */
        interface IPtyOutput extends edge.v1.PtyOutput.$Properties {
        }

        /** Represents a PtyOutput. */
        class PtyOutput {

            /**
             * Constructs a new PtyOutput.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.PtyOutput.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** PtyOutput id. */
            id: string;

            /** PtyOutput opened. */
            opened: boolean;

            /** PtyOutput data. */
            data: Uint8Array;

            /** PtyOutput exited. */
            exited: boolean;

            /** PtyOutput exitCode. */
            exitCode: number;

            /** PtyOutput error. */
            error: string;

            /**
             * Creates a new PtyOutput instance using the specified properties.
             * @param [properties] Properties to set
             * @returns PtyOutput instance
             */
            static create(properties: edge.v1.PtyOutput.$Shape): edge.v1.PtyOutput & edge.v1.PtyOutput.$Shape;
            static create(properties?: edge.v1.PtyOutput.$Properties): edge.v1.PtyOutput;

            /**
             * Encodes the specified PtyOutput message. Does not implicitly {@link edge.v1.PtyOutput.verify|verify} messages.
             * @param message PtyOutput message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.PtyOutput.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a PtyOutput message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.PtyOutput & edge.v1.PtyOutput.$Shape} PtyOutput
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.PtyOutput & edge.v1.PtyOutput.$Shape;

            /**
             * Creates a PtyOutput message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns PtyOutput
             */
            static fromObject(object: { [k: string]: any }): edge.v1.PtyOutput;

            /**
             * Creates a plain object from a PtyOutput message. Also converts values to other types if specified.
             * @param message PtyOutput
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.PtyOutput, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this PtyOutput to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace PtyOutput {

            /** Properties of a PtyOutput. */
            interface $Properties {

                /** PtyOutput id */
                id?: (string|null);

                /** PtyOutput opened */
                opened?: (boolean|null);

                /** PtyOutput data */
                data?: (Uint8Array|null);

                /** PtyOutput exited */
                exited?: (boolean|null);

                /** PtyOutput exitCode */
                exitCode?: (number|null);

                /** PtyOutput error */
                error?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a PtyOutput. */
            type $Shape = edge.v1.PtyOutput.$Properties;
        }

        /**
         * Properties of a SessionWelcome.
         * @deprecated Use edge.v1.SessionWelcome.$Properties instead.
         */
        interface ISessionWelcome extends edge.v1.SessionWelcome.$Properties {
        }

        /** Represents a SessionWelcome. */
        class SessionWelcome {

            /**
             * Constructs a new SessionWelcome.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.SessionWelcome.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SessionWelcome lastAgentSeq. */
            lastAgentSeq: (number|Long);

            /** SessionWelcome hostId. */
            hostId: string;

            /**
             * Creates a new SessionWelcome instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SessionWelcome instance
             */
            static create(properties: edge.v1.SessionWelcome.$Shape): edge.v1.SessionWelcome & edge.v1.SessionWelcome.$Shape;
            static create(properties?: edge.v1.SessionWelcome.$Properties): edge.v1.SessionWelcome;

            /**
             * Encodes the specified SessionWelcome message. Does not implicitly {@link edge.v1.SessionWelcome.verify|verify} messages.
             * @param message SessionWelcome message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.SessionWelcome.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SessionWelcome message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.SessionWelcome & edge.v1.SessionWelcome.$Shape} SessionWelcome
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.SessionWelcome & edge.v1.SessionWelcome.$Shape;

            /**
             * Creates a SessionWelcome message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns SessionWelcome
             */
            static fromObject(object: { [k: string]: any }): edge.v1.SessionWelcome;

            /**
             * Creates a plain object from a SessionWelcome message. Also converts values to other types if specified.
             * @param message SessionWelcome
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.SessionWelcome, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this SessionWelcome to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace SessionWelcome {

            /** Properties of a SessionWelcome. */
            interface $Properties {

                /** SessionWelcome lastAgentSeq */
                lastAgentSeq?: (number|Long|null);

                /** SessionWelcome hostId */
                hostId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SessionWelcome. */
            type $Shape = edge.v1.SessionWelcome.$Properties;
        }

        /**
         * Properties of an AgentAck.
         * @deprecated Use edge.v1.AgentAck.$Properties instead.
         */
        interface IAgentAck extends edge.v1.AgentAck.$Properties {
        }

        /** Represents an AgentAck. */
        class AgentAck {

            /**
             * Constructs a new AgentAck.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.AgentAck.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentAck seq. */
            seq: (number|Long);

            /**
             * Creates a new AgentAck instance using the specified properties.
             * @param [properties] Properties to set
             * @returns AgentAck instance
             */
            static create(properties: edge.v1.AgentAck.$Shape): edge.v1.AgentAck & edge.v1.AgentAck.$Shape;
            static create(properties?: edge.v1.AgentAck.$Properties): edge.v1.AgentAck;

            /**
             * Encodes the specified AgentAck message. Does not implicitly {@link edge.v1.AgentAck.verify|verify} messages.
             * @param message AgentAck message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.AgentAck.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentAck message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.AgentAck & edge.v1.AgentAck.$Shape} AgentAck
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.AgentAck & edge.v1.AgentAck.$Shape;

            /**
             * Creates an AgentAck message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns AgentAck
             */
            static fromObject(object: { [k: string]: any }): edge.v1.AgentAck;

            /**
             * Creates a plain object from an AgentAck message. Also converts values to other types if specified.
             * @param message AgentAck
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.AgentAck, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this AgentAck to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace AgentAck {

            /** Properties of an AgentAck. */
            interface $Properties {

                /** AgentAck seq */
                seq?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an AgentAck. */
            type $Shape = edge.v1.AgentAck.$Properties;
        }

        /**
         * Properties of a LogLine.
         * @deprecated Use edge.v1.LogLine.$Properties instead.
         */
        interface ILogLine extends edge.v1.LogLine.$Properties {
        }

        /** Represents a LogLine. */
        class LogLine {

            /**
             * Constructs a new LogLine.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.LogLine.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** LogLine commandId. */
            commandId: string;

            /** LogLine stream. */
            stream: string;

            /** LogLine line. */
            line: string;

            /** LogLine atMs. */
            atMs: (number|Long);

            /**
             * Creates a new LogLine instance using the specified properties.
             * @param [properties] Properties to set
             * @returns LogLine instance
             */
            static create(properties: edge.v1.LogLine.$Shape): edge.v1.LogLine & edge.v1.LogLine.$Shape;
            static create(properties?: edge.v1.LogLine.$Properties): edge.v1.LogLine;

            /**
             * Encodes the specified LogLine message. Does not implicitly {@link edge.v1.LogLine.verify|verify} messages.
             * @param message LogLine message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.LogLine.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a LogLine message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.LogLine & edge.v1.LogLine.$Shape} LogLine
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.LogLine & edge.v1.LogLine.$Shape;

            /**
             * Creates a LogLine message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns LogLine
             */
            static fromObject(object: { [k: string]: any }): edge.v1.LogLine;

            /**
             * Creates a plain object from a LogLine message. Also converts values to other types if specified.
             * @param message LogLine
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.LogLine, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this LogLine to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace LogLine {

            /** Properties of a LogLine. */
            interface $Properties {

                /** LogLine commandId */
                commandId?: (string|null);

                /** LogLine stream */
                stream?: (string|null);

                /** LogLine line */
                line?: (string|null);

                /** LogLine atMs */
                atMs?: (number|Long|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a LogLine. */
            type $Shape = edge.v1.LogLine.$Properties;
        }

        /**
         * Properties of a WatchRequest.
         * @deprecated Use edge.v1.WatchRequest.$Properties instead.
         */
        interface IWatchRequest extends edge.v1.WatchRequest.$Properties {
        }

        /** Represents a WatchRequest. */
        class WatchRequest {

            /**
             * Constructs a new WatchRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.WatchRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** WatchRequest hostId. */
            hostId: string;

            /** WatchRequest taskId. */
            taskId: string;

            /**
             * Creates a new WatchRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns WatchRequest instance
             */
            static create(properties: edge.v1.WatchRequest.$Shape): edge.v1.WatchRequest & edge.v1.WatchRequest.$Shape;
            static create(properties?: edge.v1.WatchRequest.$Properties): edge.v1.WatchRequest;

            /**
             * Encodes the specified WatchRequest message. Does not implicitly {@link edge.v1.WatchRequest.verify|verify} messages.
             * @param message WatchRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.WatchRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a WatchRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.WatchRequest & edge.v1.WatchRequest.$Shape} WatchRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.WatchRequest & edge.v1.WatchRequest.$Shape;

            /**
             * Creates a WatchRequest message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns WatchRequest
             */
            static fromObject(object: { [k: string]: any }): edge.v1.WatchRequest;

            /**
             * Creates a plain object from a WatchRequest message. Also converts values to other types if specified.
             * @param message WatchRequest
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.WatchRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this WatchRequest to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace WatchRequest {

            /** Properties of a WatchRequest. */
            interface $Properties {

                /** WatchRequest hostId */
                hostId?: (string|null);

                /** WatchRequest taskId */
                taskId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a WatchRequest. */
            type $Shape = edge.v1.WatchRequest.$Properties;
        }

        /**
         * Properties of a WatchEvent.
         * @deprecated Use edge.v1.WatchEvent.$Properties instead.
         */
        interface IWatchEvent extends edge.v1.WatchEvent.$Properties {
        }

        /** Represents a WatchEvent. */
        class WatchEvent {

            /**
             * Constructs a new WatchEvent.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.WatchEvent.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** WatchEvent atMs. */
            atMs: (number|Long);

            /** WatchEvent hostStatus. */
            hostStatus?: (edge.v1.HostStatusChanged.$Properties|null);

            /** WatchEvent command. */
            command?: (edge.v1.CommandTransition.$Properties|null);

            /** WatchEvent log. */
            log?: (edge.v1.LogLine.$Properties|null);

            /** WatchEvent task. */
            task?: (edge.v1.TaskTransition.$Properties|null);

            /** WatchEvent body. */
            body?: ("hostStatus"|"command"|"log"|"task");

            /**
             * Creates a new WatchEvent instance using the specified properties.
             * @param [properties] Properties to set
             * @returns WatchEvent instance
             */
            static create(properties: edge.v1.WatchEvent.$Shape): edge.v1.WatchEvent & edge.v1.WatchEvent.$Shape;
            static create(properties?: edge.v1.WatchEvent.$Properties): edge.v1.WatchEvent;

            /**
             * Encodes the specified WatchEvent message. Does not implicitly {@link edge.v1.WatchEvent.verify|verify} messages.
             * @param message WatchEvent message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.WatchEvent.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a WatchEvent message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.WatchEvent & edge.v1.WatchEvent.$Shape} WatchEvent
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.WatchEvent & edge.v1.WatchEvent.$Shape;

            /**
             * Creates a WatchEvent message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns WatchEvent
             */
            static fromObject(object: { [k: string]: any }): edge.v1.WatchEvent;

            /**
             * Creates a plain object from a WatchEvent message. Also converts values to other types if specified.
             * @param message WatchEvent
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.WatchEvent, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this WatchEvent to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace WatchEvent {

            /** Properties of a WatchEvent. */
            interface $Properties {

                /** WatchEvent atMs */
                atMs?: (number|Long|null);

                /** WatchEvent hostStatus */
                hostStatus?: (edge.v1.HostStatusChanged.$Properties|null);

                /** WatchEvent command */
                command?: (edge.v1.CommandTransition.$Properties|null);

                /** WatchEvent log */
                log?: (edge.v1.LogLine.$Properties|null);

                /** WatchEvent task */
                task?: (edge.v1.TaskTransition.$Properties|null);

                /** WatchEvent body */
                body?: ("hostStatus"|"command"|"log"|"task");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a WatchEvent. */
            type $Shape = {
              atMs?: number|Long|null;
              hostStatus?: edge.v1.HostStatusChanged.$Shape|null;
              command?: edge.v1.CommandTransition.$Shape|null;
              log?: edge.v1.LogLine.$Shape|null;
              task?: edge.v1.TaskTransition.$Shape|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ body?: undefined; hostStatus?: null; command?: null; log?: null; task?: null }|{ body?: "hostStatus"; hostStatus: edge.v1.HostStatusChanged.$Shape; command?: null; log?: null; task?: null }|{ body?: "command"; hostStatus?: null; command: edge.v1.CommandTransition.$Shape; log?: null; task?: null }|{ body?: "log"; hostStatus?: null; command?: null; log: edge.v1.LogLine.$Shape; task?: null }|{ body?: "task"; hostStatus?: null; command?: null; log?: null; task: edge.v1.TaskTransition.$Shape })
            );
        }

        /**
         * Properties of a HostStatusChanged.
         * @deprecated Use edge.v1.HostStatusChanged.$Properties instead.
         */
        interface IHostStatusChanged extends edge.v1.HostStatusChanged.$Properties {
        }

        /** Represents a HostStatusChanged. */
        class HostStatusChanged {

            /**
             * Constructs a new HostStatusChanged.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.HostStatusChanged.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** HostStatusChanged hostId. */
            hostId: string;

            /** HostStatusChanged status. */
            status: string;

            /** HostStatusChanged previous. */
            previous: string;

            /**
             * Creates a new HostStatusChanged instance using the specified properties.
             * @param [properties] Properties to set
             * @returns HostStatusChanged instance
             */
            static create(properties: edge.v1.HostStatusChanged.$Shape): edge.v1.HostStatusChanged & edge.v1.HostStatusChanged.$Shape;
            static create(properties?: edge.v1.HostStatusChanged.$Properties): edge.v1.HostStatusChanged;

            /**
             * Encodes the specified HostStatusChanged message. Does not implicitly {@link edge.v1.HostStatusChanged.verify|verify} messages.
             * @param message HostStatusChanged message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.HostStatusChanged.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a HostStatusChanged message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.HostStatusChanged & edge.v1.HostStatusChanged.$Shape} HostStatusChanged
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.HostStatusChanged & edge.v1.HostStatusChanged.$Shape;

            /**
             * Creates a HostStatusChanged message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns HostStatusChanged
             */
            static fromObject(object: { [k: string]: any }): edge.v1.HostStatusChanged;

            /**
             * Creates a plain object from a HostStatusChanged message. Also converts values to other types if specified.
             * @param message HostStatusChanged
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.HostStatusChanged, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this HostStatusChanged to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace HostStatusChanged {

            /** Properties of a HostStatusChanged. */
            interface $Properties {

                /** HostStatusChanged hostId */
                hostId?: (string|null);

                /** HostStatusChanged status */
                status?: (string|null);

                /** HostStatusChanged previous */
                previous?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a HostStatusChanged. */
            type $Shape = edge.v1.HostStatusChanged.$Properties;
        }

        /**
         * Properties of a CommandTransition.
         * @deprecated Use edge.v1.CommandTransition.$Properties instead.
         */
        interface ICommandTransition extends edge.v1.CommandTransition.$Properties {
        }

        /** Represents a CommandTransition. */
        class CommandTransition {

            /**
             * Constructs a new CommandTransition.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.CommandTransition.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** CommandTransition commandId. */
            commandId: string;

            /** CommandTransition hostId. */
            hostId: string;

            /** CommandTransition status. */
            status: string;

            /** CommandTransition error. */
            error: string;

            /**
             * Creates a new CommandTransition instance using the specified properties.
             * @param [properties] Properties to set
             * @returns CommandTransition instance
             */
            static create(properties: edge.v1.CommandTransition.$Shape): edge.v1.CommandTransition & edge.v1.CommandTransition.$Shape;
            static create(properties?: edge.v1.CommandTransition.$Properties): edge.v1.CommandTransition;

            /**
             * Encodes the specified CommandTransition message. Does not implicitly {@link edge.v1.CommandTransition.verify|verify} messages.
             * @param message CommandTransition message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.CommandTransition.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a CommandTransition message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.CommandTransition & edge.v1.CommandTransition.$Shape} CommandTransition
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.CommandTransition & edge.v1.CommandTransition.$Shape;

            /**
             * Creates a CommandTransition message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns CommandTransition
             */
            static fromObject(object: { [k: string]: any }): edge.v1.CommandTransition;

            /**
             * Creates a plain object from a CommandTransition message. Also converts values to other types if specified.
             * @param message CommandTransition
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.CommandTransition, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this CommandTransition to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace CommandTransition {

            /** Properties of a CommandTransition. */
            interface $Properties {

                /** CommandTransition commandId */
                commandId?: (string|null);

                /** CommandTransition hostId */
                hostId?: (string|null);

                /** CommandTransition status */
                status?: (string|null);

                /** CommandTransition error */
                error?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a CommandTransition. */
            type $Shape = edge.v1.CommandTransition.$Properties;
        }

        /**
         * Properties of a TaskTransition.
         * @deprecated Use edge.v1.TaskTransition.$Properties instead.
         */
        interface ITaskTransition extends edge.v1.TaskTransition.$Properties {
        }

        /** Represents a TaskTransition. */
        class TaskTransition {

            /**
             * Constructs a new TaskTransition.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.TaskTransition.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** TaskTransition taskId. */
            taskId: string;

            /** TaskTransition status. */
            status: string;

            /**
             * Creates a new TaskTransition instance using the specified properties.
             * @param [properties] Properties to set
             * @returns TaskTransition instance
             */
            static create(properties: edge.v1.TaskTransition.$Shape): edge.v1.TaskTransition & edge.v1.TaskTransition.$Shape;
            static create(properties?: edge.v1.TaskTransition.$Properties): edge.v1.TaskTransition;

            /**
             * Encodes the specified TaskTransition message. Does not implicitly {@link edge.v1.TaskTransition.verify|verify} messages.
             * @param message TaskTransition message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.TaskTransition.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a TaskTransition message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.TaskTransition & edge.v1.TaskTransition.$Shape} TaskTransition
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.TaskTransition & edge.v1.TaskTransition.$Shape;

            /**
             * Creates a TaskTransition message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns TaskTransition
             */
            static fromObject(object: { [k: string]: any }): edge.v1.TaskTransition;

            /**
             * Creates a plain object from a TaskTransition message. Also converts values to other types if specified.
             * @param message TaskTransition
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.TaskTransition, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this TaskTransition to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace TaskTransition {

            /** Properties of a TaskTransition. */
            interface $Properties {

                /** TaskTransition taskId */
                taskId?: (string|null);

                /** TaskTransition status */
                status?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a TaskTransition. */
            type $Shape = edge.v1.TaskTransition.$Properties;
        }

        /**
         * Properties of a SendCommandRequest.
         * @deprecated Use edge.v1.SendCommandRequest.$Properties instead.
         */
        interface ISendCommandRequest extends edge.v1.SendCommandRequest.$Properties {
        }

        /** Represents a SendCommandRequest. */
        class SendCommandRequest {

            /**
             * Constructs a new SendCommandRequest.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.SendCommandRequest.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SendCommandRequest hostId. */
            hostId: string;

            /** SendCommandRequest kind. */
            kind: string;

            /** SendCommandRequest paramsJson. */
            paramsJson: string;

            /** SendCommandRequest timeoutMs. */
            timeoutMs: number;

            /**
             * Creates a new SendCommandRequest instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SendCommandRequest instance
             */
            static create(properties: edge.v1.SendCommandRequest.$Shape): edge.v1.SendCommandRequest & edge.v1.SendCommandRequest.$Shape;
            static create(properties?: edge.v1.SendCommandRequest.$Properties): edge.v1.SendCommandRequest;

            /**
             * Encodes the specified SendCommandRequest message. Does not implicitly {@link edge.v1.SendCommandRequest.verify|verify} messages.
             * @param message SendCommandRequest message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.SendCommandRequest.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SendCommandRequest message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.SendCommandRequest & edge.v1.SendCommandRequest.$Shape} SendCommandRequest
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.SendCommandRequest & edge.v1.SendCommandRequest.$Shape;

            /**
             * Creates a SendCommandRequest message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns SendCommandRequest
             */
            static fromObject(object: { [k: string]: any }): edge.v1.SendCommandRequest;

            /**
             * Creates a plain object from a SendCommandRequest message. Also converts values to other types if specified.
             * @param message SendCommandRequest
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.SendCommandRequest, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this SendCommandRequest to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace SendCommandRequest {

            /** Properties of a SendCommandRequest. */
            interface $Properties {

                /** SendCommandRequest hostId */
                hostId?: (string|null);

                /** SendCommandRequest kind */
                kind?: (string|null);

                /** SendCommandRequest paramsJson */
                paramsJson?: (string|null);

                /** SendCommandRequest timeoutMs */
                timeoutMs?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SendCommandRequest. */
            type $Shape = edge.v1.SendCommandRequest.$Properties;
        }

        /**
         * Properties of a SendCommandResponse.
         * @deprecated Use edge.v1.SendCommandResponse.$Properties instead.
         */
        interface ISendCommandResponse extends edge.v1.SendCommandResponse.$Properties {
        }

        /** Represents a SendCommandResponse. */
        class SendCommandResponse {

            /**
             * Constructs a new SendCommandResponse.
             * @param [properties] Properties to set
             */
            constructor(properties?: edge.v1.SendCommandResponse.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** SendCommandResponse commandId. */
            commandId: string;

            /** SendCommandResponse status. */
            status: string;

            /** SendCommandResponse deliveredLive. */
            deliveredLive: boolean;

            /**
             * Creates a new SendCommandResponse instance using the specified properties.
             * @param [properties] Properties to set
             * @returns SendCommandResponse instance
             */
            static create(properties: edge.v1.SendCommandResponse.$Shape): edge.v1.SendCommandResponse & edge.v1.SendCommandResponse.$Shape;
            static create(properties?: edge.v1.SendCommandResponse.$Properties): edge.v1.SendCommandResponse;

            /**
             * Encodes the specified SendCommandResponse message. Does not implicitly {@link edge.v1.SendCommandResponse.verify|verify} messages.
             * @param message SendCommandResponse message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: edge.v1.SendCommandResponse.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a SendCommandResponse message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {edge.v1.SendCommandResponse & edge.v1.SendCommandResponse.$Shape} SendCommandResponse
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): edge.v1.SendCommandResponse & edge.v1.SendCommandResponse.$Shape;

            /**
             * Creates a SendCommandResponse message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns SendCommandResponse
             */
            static fromObject(object: { [k: string]: any }): edge.v1.SendCommandResponse;

            /**
             * Creates a plain object from a SendCommandResponse message. Also converts values to other types if specified.
             * @param message SendCommandResponse
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: edge.v1.SendCommandResponse, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this SendCommandResponse to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };
        }

        namespace SendCommandResponse {

            /** Properties of a SendCommandResponse. */
            interface $Properties {

                /** SendCommandResponse commandId */
                commandId?: (string|null);

                /** SendCommandResponse status */
                status?: (string|null);

                /** SendCommandResponse deliveredLive */
                deliveredLive?: (boolean|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a SendCommandResponse. */
            type $Shape = edge.v1.SendCommandResponse.$Properties;
        }
    }
}
